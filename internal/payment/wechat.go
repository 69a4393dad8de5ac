package payment

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/verifiers"
	"github.com/wechatpay-apiv3/wechatpay-go/core/downloader"
	"github.com/wechatpay-apiv3/wechatpay-go/core/option"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/jsapi"
	"github.com/wechatpay-apiv3/wechatpay-go/services/refunddomestic"
)

// GatewayConfig configures WeChatGateway.
type GatewayConfig struct {
	AppID         string
	MchID         string
	MchCertSerial string
	MchPrivateKey *rsa.PrivateKey
	APIv3Key      string
	// PublicKeyID/PublicKey: WeChat Pay public-key verification (PUB_KEY_ID_...). When
	// set, responses and notifications signed with it are accepted.
	PublicKeyID string
	PublicKey   *rsa.PublicKey
	// PlatformCertificates: verify with platform certificates downloaded from
	// /v3/certificates (and refreshed). Implied when no public key is set; with both,
	// either is accepted (the migration period from certificates to the public key).
	PlatformCertificates bool
	// CertRefresh is how often the certificates are downloaded again (default 12h).
	CertRefresh     time.Duration
	NotifyURL       string
	RefundNotifyURL string
	// Now is the clock of the 5-minute rule for notifications (default time.Now).
	Now func() time.Time
}

// WeChatGateway is the Gateway backed by wechatpay-go. It only reaches WeChat through
// the given http.Client, so a host-rewriting transport points it at the sandbox.
type WeChatGateway struct {
	cfg    GatewayConfig
	client *core.Client
	jsapi  jsapi.JsapiApiService
	refund refunddomestic.RefundsApiService
	parser *NotifyParser

	// Certificate mode: a downloader manager of our own (not the SDK's process-wide
	// singleton, whose downloader would use http.DefaultClient), registered lazily so
	// that the gateway can be built before the sandbox on the same server listens.
	mgr      *downloader.CertificateDownloaderMgr
	dlClient *core.Client
	mgrMu    sync.Mutex
	stopMgr  context.CancelFunc
}

var _ Gateway = (*WeChatGateway)(nil)

// NewWeChatGateway builds the gateway. Certificates, when used, are downloaded on first use.
func NewWeChatGateway(cfg GatewayConfig, httpClient *http.Client) (*WeChatGateway, error) {
	if cfg.AppID == "" || cfg.MchID == "" || cfg.MchCertSerial == "" || cfg.MchPrivateKey == nil {
		return nil, errors.New("payment: gateway needs app id, mch id, merchant serial and private key")
	}
	if len(cfg.APIv3Key) != 32 {
		return nil, errors.New("payment: the APIv3 key must be 32 bytes")
	}
	if cfg.PublicKey == nil && cfg.PublicKeyID != "" || cfg.PublicKey != nil && cfg.PublicKeyID == "" {
		return nil, errors.New("payment: public key and public key id go together")
	}
	if cfg.PublicKey == nil {
		cfg.PlatformCertificates = true
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.CertRefresh <= 0 {
		cfg.CertRefresh = 12 * time.Hour
	}
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 30 * time.Second}
	}
	g := &WeChatGateway{cfg: cfg}

	var verifier auth.Verifier
	if cfg.PlatformCertificates {
		mgrCtx, cancel := context.WithCancel(context.Background())
		g.stopMgr = cancel
		g.mgr = downloader.NewCertificateDownloaderMgrWithInterval(mgrCtx, cfg.CertRefresh)
		dl, err := core.NewClient(context.Background(),
			option.WithMerchantCredential(cfg.MchID, cfg.MchCertSerial, cfg.MchPrivateKey),
			// The first download cannot be verified with certificates it has not got yet;
			// the downloader verifies every later download with the ones it has.
			option.WithoutValidator(),
			option.WithHTTPClient(httpClient))
		if err != nil {
			g.Close()
			return nil, fmt.Errorf("payment: certificate client: %w", err)
		}
		g.dlClient = dl
		certVerifier := verifiers.NewSHA256WithRSAVerifier(g.mgr.GetCertificateVisitor(cfg.MchID))
		verifier = certVerifier
		if cfg.PublicKey != nil {
			verifier = verifiers.NewSHA256WithRSACombinedVerifier(g.mgr.GetCertificateVisitor(cfg.MchID), cfg.PublicKeyID, *cfg.PublicKey)
		}
	} else {
		verifier = verifiers.NewSHA256WithRSAPubkeyVerifier(cfg.PublicKeyID, *cfg.PublicKey)
	}

	var authOpt core.ClientOption
	switch {
	case cfg.PlatformCertificates && cfg.PublicKey != nil:
		authOpt = option.WithVerifier(verifier)
	case cfg.PlatformCertificates:
		authOpt = option.WithWechatPayAutoAuthCipherUsingDownloaderMgr(cfg.MchID, cfg.MchCertSerial, cfg.MchPrivateKey, g.mgr)
	default:
		authOpt = option.WithWechatPayPublicKeyAuthCipher(cfg.MchID, cfg.MchCertSerial, cfg.MchPrivateKey, cfg.PublicKeyID, cfg.PublicKey)
	}
	opts := []core.ClientOption{authOpt, option.WithHTTPClient(httpClient)}
	if cfg.PlatformCertificates && cfg.PublicKey != nil {
		opts = append(opts, option.WithMerchantCredential(cfg.MchID, cfg.MchCertSerial, cfg.MchPrivateKey))
	}
	client, err := core.NewClient(context.Background(), opts...)
	if err != nil {
		g.Close()
		return nil, fmt.Errorf("payment: wechat pay client: %w", err)
	}
	g.client = client
	g.jsapi = jsapi.JsapiApiService{Client: client}
	g.refund = refunddomestic.RefundsApiService{Client: client}
	parser, err := NewNotifyParser(cfg.APIv3Key, verifier, cfg.Now)
	if err != nil {
		g.Close()
		return nil, err
	}
	g.parser = parser
	return g, nil
}

// Close stops the certificate refresh.
func (g *WeChatGateway) Close() {
	if g.mgr != nil {
		g.mgr.Stop()
	}
	if g.stopMgr != nil {
		g.stopMgr()
	}
}

// ensureCertificates downloads the platform certificates once (and again after a failure).
func (g *WeChatGateway) ensureCertificates(ctx context.Context) error {
	if g.mgr == nil {
		return nil
	}
	g.mgrMu.Lock()
	defer g.mgrMu.Unlock()
	if g.mgr.HasDownloader(ctx, g.cfg.MchID) {
		return nil
	}
	if err := g.mgr.RegisterDownloaderWithClient(ctx, g.dlClient, g.cfg.MchID, g.cfg.APIv3Key); err != nil {
		return fmt.Errorf("payment: download platform certificates: %w", err)
	}
	return nil
}

// Prepay implements Gateway with PrepayWithRequestPayment.
func (g *WeChatGateway) Prepay(ctx context.Context, req PrepayRequest) (string, PayParams, error) {
	if err := g.ensureCertificates(ctx); err != nil {
		return "", PayParams{}, err
	}
	// WeChat's examples write time_expire with +08:00; "Z" is not shown there, so avoid it.
	expire := req.ExpiresAt.In(time.FixedZone("CST", 8*3600))
	resp, _, err := g.jsapi.PrepayWithRequestPayment(ctx, jsapi.PrepayRequest{
		Appid:       core.String(g.cfg.AppID),
		Mchid:       core.String(g.cfg.MchID),
		Description: core.String(req.Description),
		OutTradeNo:  core.String(req.OutTradeNo),
		TimeExpire:  &expire,
		NotifyUrl:   core.String(g.cfg.NotifyURL),
		Amount:      &jsapi.Amount{Total: core.Int64(req.AmountFen), Currency: core.String("CNY")},
		Payer:       &jsapi.Payer{Openid: core.String(req.OpenID)},
	})
	if err != nil {
		return "", PayParams{}, gatewayErr("prepay", err)
	}
	return deref(resp.PrepayId), PayParams{
		TimeStamp: deref(resp.TimeStamp),
		NonceStr:  deref(resp.NonceStr),
		Package:   deref(resp.Package),
		SignType:  deref(resp.SignType),
		PaySign:   deref(resp.PaySign),
	}, nil
}

// QueryByOutTradeNo implements Gateway.
func (g *WeChatGateway) QueryByOutTradeNo(ctx context.Context, outTradeNo string) (*Transaction, error) {
	if err := g.ensureCertificates(ctx); err != nil {
		return nil, err
	}
	tx, _, err := g.jsapi.QueryOrderByOutTradeNo(ctx, jsapi.QueryOrderByOutTradeNoRequest{
		OutTradeNo: core.String(outTradeNo), Mchid: core.String(g.cfg.MchID),
	})
	if err != nil {
		return nil, gatewayErr("query", err)
	}
	return transactionFromSDK(tx), nil
}

// CloseOrder implements Gateway.
func (g *WeChatGateway) CloseOrder(ctx context.Context, outTradeNo string) error {
	if err := g.ensureCertificates(ctx); err != nil {
		return err
	}
	_, err := g.jsapi.CloseOrder(ctx, jsapi.CloseOrderRequest{
		OutTradeNo: core.String(outTradeNo), Mchid: core.String(g.cfg.MchID),
	})
	if err != nil {
		return gatewayErr("close", err)
	}
	return nil
}

// Refund implements Gateway.
func (g *WeChatGateway) Refund(ctx context.Context, req RefundRequest) (*RefundResult, error) {
	if err := g.ensureCertificates(ctx); err != nil {
		return nil, err
	}
	create := refunddomestic.CreateRequest{
		OutTradeNo:  core.String(req.OutTradeNo),
		OutRefundNo: core.String(req.OutRefundNo),
		NotifyUrl:   core.String(g.cfg.RefundNotifyURL),
		Amount: &refunddomestic.AmountReq{
			Refund: core.Int64(req.RefundFen), Total: core.Int64(req.TotalFen), Currency: core.String("CNY"),
		},
	}
	if req.Reason != "" {
		create.Reason = core.String(req.Reason)
	}
	if g.cfg.RefundNotifyURL == "" {
		create.NotifyUrl = nil
	}
	r, _, err := g.refund.Create(ctx, create)
	if err != nil {
		return nil, gatewayErr("refund", err)
	}
	return refundFromSDK(r), nil
}

// QueryRefund implements Gateway.
func (g *WeChatGateway) QueryRefund(ctx context.Context, outRefundNo string) (*RefundResult, error) {
	if err := g.ensureCertificates(ctx); err != nil {
		return nil, err
	}
	r, _, err := g.refund.QueryByOutRefundNo(ctx, refunddomestic.QueryByOutRefundNoRequest{OutRefundNo: core.String(outRefundNo)})
	if err != nil {
		return nil, gatewayErr("query refund", err)
	}
	return refundFromSDK(r), nil
}

// ParseNotify implements Gateway.
func (g *WeChatGateway) ParseNotify(ctx context.Context, r *http.Request) (*Notice, error) {
	if err := g.ensureCertificates(ctx); err != nil {
		// Not a rejection: we could not check, so WeChat should retry.
		return nil, err
	}
	return g.parser.Parse(ctx, r)
}

// gatewayErr turns the SDK's *core.APIError into *GatewayError (ErrGatewayNotFound for
// 404s) and keeps other failures (network, signature of the answer) as they are.
func gatewayErr(op string, err error) error {
	var apiErr *core.APIError
	if errors.As(err, &apiErr) {
		ge := &GatewayError{StatusCode: apiErr.StatusCode, Code: apiErr.Code, Message: apiErr.Message}
		if apiErr.StatusCode == http.StatusNotFound || apiErr.Code == "ORDER_NOT_EXIST" || apiErr.Code == "RESOURCE_NOT_EXISTS" {
			return fmt.Errorf("payment: %s: %w: %w", op, ErrGatewayNotFound, ge)
		}
		return fmt.Errorf("payment: %s: %w", op, ge)
	}
	return fmt.Errorf("payment: %s: %w", op, err)
}

func transactionFromSDK(t *payments.Transaction) *Transaction {
	out := &Transaction{
		AppID:          deref(t.Appid),
		MchID:          deref(t.Mchid),
		OutTradeNo:     deref(t.OutTradeNo),
		TransactionID:  deref(t.TransactionId),
		TradeType:      deref(t.TradeType),
		TradeState:     deref(t.TradeState),
		TradeStateDesc: deref(t.TradeStateDesc),
		SuccessTime:    deref(t.SuccessTime),
	}
	if t.Payer != nil {
		out.Payer.OpenID = deref(t.Payer.Openid)
	}
	for _, p := range t.PromotionDetail {
		out.PromotionDetail = append(out.PromotionDetail, TransactionPromotion{
			CouponID: deref(p.CouponId), Amount: derefInt(p.Amount), WechatpayContribute: derefInt(p.WechatpayContribute),
			MerchantContribute: derefInt(p.MerchantContribute), OtherContribute: derefInt(p.OtherContribute),
		})
	}
	if t.Amount != nil {
		out.Amount = &TransactionAmount{
			Total:         derefInt(t.Amount.Total),
			PayerTotal:    t.Amount.PayerTotal,
			Currency:      deref(t.Amount.Currency),
			PayerCurrency: deref(t.Amount.PayerCurrency),
		}
	}
	return out
}

func refundFromSDK(r *refunddomestic.Refund) *RefundResult {
	out := &RefundResult{
		OutTradeNo:    deref(r.OutTradeNo),
		TransactionID: deref(r.TransactionId),
		OutRefundNo:   deref(r.OutRefundNo),
		RefundID:      deref(r.RefundId),
	}
	if r.Status != nil {
		out.Status = string(*r.Status)
	}
	if r.SuccessTime != nil {
		out.SuccessTime = r.SuccessTime.Format(time.RFC3339)
	}
	if r.Amount != nil {
		out.Amount = &RefundAmount{
			Total: derefInt(r.Amount.Total), Refund: derefInt(r.Amount.Refund),
			PayerTotal: derefInt(r.Amount.PayerTotal), PayerRefund: derefInt(r.Amount.PayerRefund),
		}
	}
	return out
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func derefInt(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
