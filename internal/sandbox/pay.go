package sandbox

import (
	"bytes"
	"context"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// PayOptions configure the WeChat Pay emulator.
type PayOptions struct {
	Keys  *PayKeys // required
	AppID string   // the only appid the merchant may use
	MchID string
	// PublicKeyMode: sign answers and notifications with the WeChat Pay public key id
	// (PUB_KEY_ID_...) instead of the platform certificate serial, unless a request
	// asks for a serial with its Wechatpay-Serial header.
	PublicKeyMode bool
	// NotifyClient posts notifications (default: a plain client with a 10 s timeout).
	NotifyClient *http.Client
	Now          func() time.Time
	Log          *slog.Logger
}

// PayServer emulates WeChat Pay v3 for JSAPI: prepay, query, close, refunds, the
// platform certificates, and notifications, with WeChat's signatures and encryption.
type PayServer struct {
	opts    PayOptions
	mu      sync.Mutex
	txs     map[string]*sbxTransaction // by out_trade_no
	refunds map[string]*sbxRefund      // by out_refund_no
	wg      sync.WaitGroup             // notifications sent in the background
}

type sbxTransaction struct {
	AppID, MchID, Description, OutTradeNo, NotifyURL, OpenID string
	Total                                                    int64
	TimeExpire                                               *time.Time
	PrepayID                                                 string
	State                                                    string // NOTPAY, SUCCESS, CLOSED, REFUND
	TransactionID                                            string
	SuccessTime                                              time.Time
	Refunded                                                 int64
	// Coupon is a WeChat-funded discount (fen) on a paid order: payer_total = Total - Coupon.
	Coupon     int64
	lastNotice []byte // body of the last TRANSACTION.SUCCESS
}

type sbxRefund struct {
	RefundID, OutRefundNo, OutTradeNo, TransactionID, NotifyURL, Status string
	Refund, Total                                                       int64
	CreateTime, SuccessTime                                             time.Time
}

// NewPayServer builds the emulator.
func NewPayServer(opts PayOptions) *PayServer {
	if opts.NotifyClient == nil {
		opts.NotifyClient = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	return &PayServer{opts: opts, txs: map[string]*sbxTransaction{}, refunds: map[string]*sbxRefund{}}
}

// Mount adds WeChat Pay's API (/v3/...) and the test hooks (/pay/...) to the /sandbox group.
func (p *PayServer) Mount(r gin.IRouter) {
	r.POST("/v3/pay/transactions/jsapi", p.merchant(p.prepay))
	r.GET("/v3/pay/transactions/out-trade-no/:otn", p.merchant(p.query))
	r.POST("/v3/pay/transactions/out-trade-no/:otn/close", p.merchant(p.closeOrder))
	r.POST("/v3/refund/domestic/refunds", p.merchant(p.createRefund))
	r.GET("/v3/refund/domestic/refunds/:no", p.merchant(p.queryRefund))
	r.GET("/v3/certificates", p.merchant(p.certificates))

	// Test hooks: what the student does in the WeChat client.
	r.POST("/pay/transactions/:otn/succeed", p.succeed)
	r.POST("/pay/transactions/:otn/fail", p.fail)
	r.POST("/pay/transactions/:otn/notify", p.resend)
}

// Wait blocks until the notifications sent in the background (refunds) are delivered.
func (p *PayServer) Wait() { p.wg.Wait() }

// ---- merchant authentication and signed answers ----

var authParam = regexp.MustCompile(`(\w+)="([^"]*)"`)

// merchant verifies the request's WECHATPAY2-SHA256-RSA2048 signature with the
// merchant's public key, as WeChat Pay does, before the handler runs.
func (p *PayServer) merchant(h func(c *gin.Context, body []byte)) gin.HandlerFunc {
	return func(c *gin.Context) {
		body, err := io.ReadAll(io.LimitReader(c.Request.Body, 1<<20))
		if err != nil {
			payError(c, http.StatusBadRequest, "PARAM_ERROR", "无法读取请求")
			return
		}
		if msg := p.checkMerchantSignature(c.Request, body); msg != "" {
			payError(c, http.StatusUnauthorized, "SIGN_ERROR", msg)
			return
		}
		h(c, body)
	}
}

func (p *PayServer) checkMerchantSignature(r *http.Request, body []byte) string {
	scheme, params, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || scheme != "WECHATPAY2-SHA256-RSA2048" {
		return "Authorization 不合法"
	}
	kv := map[string]string{}
	for _, m := range authParam.FindAllStringSubmatch(params, -1) {
		kv[m[1]] = m[2]
	}
	if kv["mchid"] != p.opts.MchID {
		return "商户号不匹配"
	}
	if kv["serial_no"] != p.opts.Keys.MchSerial {
		return "商户证书序列号不正确"
	}
	ts, err := strconv.ParseInt(kv["timestamp"], 10, 64)
	if err != nil || absDuration(p.opts.Now().Sub(time.Unix(ts, 0))) >= 5*time.Minute {
		return "请求时间戳已过期"
	}
	if kv["nonce_str"] == "" {
		return "缺少随机串"
	}
	sig, err := base64.StdEncoding.DecodeString(kv["signature"])
	if err != nil {
		return "签名不是 base64"
	}
	// The merchant signed WeChat's path; the sandbox is reached under a prefix (/sandbox).
	uri := r.RequestURI
	if i := strings.Index(uri, "/v3/"); i >= 0 {
		uri = uri[i:]
	}
	message := r.Method + "\n" + uri + "\n" + kv["timestamp"] + "\n" + kv["nonce_str"] + "\n" + string(body) + "\n"
	sum := sha256.Sum256([]byte(message))
	if rsa.VerifyPKCS1v15(&p.opts.Keys.MchPrivateKey.PublicKey, crypto.SHA256, sum[:], sig) != nil {
		return "签名错误"
	}
	return ""
}

// payError is WeChat Pay's error answer (not signed: the SDK turns it into an APIError first).
func payError(c *gin.Context, status int, code, message string) {
	c.AbortWithStatusJSON(status, gin.H{"code": code, "message": message})
}

// serial picks the key name WeChat would sign with: the one the merchant asked for with
// Wechatpay-Serial if we have it, else the configured mode's.
func (p *PayServer) serial(r *http.Request) string {
	k := p.opts.Keys
	if r != nil {
		switch want := r.Header.Get("Wechatpay-Serial"); want {
		case k.PlatformSerial, k.PublicKeyID:
			return want
		}
	}
	if p.opts.PublicKeyMode {
		return k.PublicKeyID
	}
	return k.PlatformSerial
}

// sign computes WeChat Pay's headers for a body.
func (p *PayServer) sign(body []byte, serial string) (http.Header, error) {
	ts := strconv.FormatInt(p.opts.Now().Unix(), 10)
	nonce := strings.ToUpper(payRandomHex(16))
	sum := sha256.Sum256([]byte(ts + "\n" + nonce + "\n" + string(body) + "\n"))
	sig, err := rsa.SignPKCS1v15(nil, p.opts.Keys.PlatformPrivateKey, crypto.SHA256, sum[:])
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set("Wechatpay-Timestamp", ts)
	h.Set("Wechatpay-Nonce", nonce)
	h.Set("Wechatpay-Serial", serial)
	h.Set("Wechatpay-Signature", base64.StdEncoding.EncodeToString(sig))
	h.Set("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048")
	return h, nil
}

// reply writes a signed answer; v == nil gives an empty body (204).
func (p *PayServer) reply(c *gin.Context, status int, v any, serial string) {
	var body []byte
	if v != nil {
		var err error
		if body, err = json.Marshal(v); err != nil {
			payError(c, http.StatusInternalServerError, "SYSTEM_ERROR", "系统错误")
			return
		}
	}
	h, err := p.sign(body, serial)
	if err != nil {
		payError(c, http.StatusInternalServerError, "SYSTEM_ERROR", "系统错误")
		return
	}
	for k, vs := range h {
		c.Header(k, vs[0])
	}
	c.Header("Request-Id", "sbx-"+payRandomHex(12))
	if v == nil {
		c.Status(status)
		return
	}
	c.Data(status, "application/json; charset=utf-8", body)
}

// ---- WeChat Pay API ----

var outTradeNoPattern = regexp.MustCompile(`^[0-9A-Za-z_\-|*]{6,32}$`)

type prepayBody struct {
	AppID       string     `json:"appid"`
	MchID       string     `json:"mchid"`
	Description string     `json:"description"`
	OutTradeNo  string     `json:"out_trade_no"`
	TimeExpire  *time.Time `json:"time_expire"`
	NotifyURL   string     `json:"notify_url"`
	Amount      *struct {
		Total    int64  `json:"total"`
		Currency string `json:"currency"`
	} `json:"amount"`
	Payer *struct {
		OpenID string `json:"openid"`
	} `json:"payer"`
}

func (p *PayServer) prepay(c *gin.Context, body []byte) {
	var req prepayBody
	if err := json.Unmarshal(body, &req); err != nil {
		payError(c, http.StatusBadRequest, "PARAM_ERROR", "请求体不是合法的 JSON")
		return
	}
	switch {
	case req.AppID != p.opts.AppID || req.MchID != p.opts.MchID:
		payError(c, http.StatusBadRequest, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
		return
	case req.Description == "" || len(req.Description) > 127:
		payError(c, http.StatusBadRequest, "PARAM_ERROR", "description 长度不合法")
		return
	case !outTradeNoPattern.MatchString(req.OutTradeNo):
		payError(c, http.StatusBadRequest, "PARAM_ERROR", "out_trade_no 不合法")
		return
	case req.NotifyURL == "" || !strings.HasPrefix(req.NotifyURL, "http"):
		payError(c, http.StatusBadRequest, "PARAM_ERROR", "notify_url 不合法")
		return
	case req.Amount == nil || req.Amount.Total <= 0 || req.Amount.Currency != "" && req.Amount.Currency != "CNY":
		payError(c, http.StatusBadRequest, "PARAM_ERROR", "amount 不合法")
		return
	case req.Payer == nil || req.Payer.OpenID == "":
		payError(c, http.StatusBadRequest, "PARAM_ERROR", "缺少 payer.openid")
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if t, ok := p.txs[req.OutTradeNo]; ok {
		p.expire(t) // past its time_expire WeChat has closed it: ORDER_CLOSED
		switch {
		case t.State == "SUCCESS" || t.State == "REFUND":
			payError(c, http.StatusBadRequest, "ORDERPAID", "该订单已支付")
		case t.State == "CLOSED":
			payError(c, http.StatusBadRequest, "ORDER_CLOSED", "订单已关闭")
		case t.Total != req.Amount.Total || t.OpenID != req.Payer.OpenID || t.Description != req.Description:
			payError(c, http.StatusBadRequest, "INVALID_REQUEST", "201 商户订单号重复")
		default:
			// Same order placed again: WeChat answers the same prepay_id.
			p.reply(c, http.StatusOK, gin.H{"prepay_id": t.PrepayID}, p.serial(c.Request))
		}
		return
	}
	t := &sbxTransaction{
		AppID: req.AppID, MchID: req.MchID, Description: req.Description, OutTradeNo: req.OutTradeNo,
		NotifyURL: req.NotifyURL, OpenID: req.Payer.OpenID, Total: req.Amount.Total, TimeExpire: req.TimeExpire,
		PrepayID: "wx" + p.opts.Now().Format("20060102150405") + payRandomHex(10), State: "NOTPAY",
	}
	p.txs[req.OutTradeNo] = t
	p.reply(c, http.StatusOK, gin.H{"prepay_id": t.PrepayID}, p.serial(c.Request))
}

func (p *PayServer) query(c *gin.Context, _ []byte) {
	if c.Query("mchid") != p.opts.MchID {
		payError(c, http.StatusBadRequest, "PARAM_ERROR", "mchid 不正确")
		return
	}
	p.mu.Lock()
	t, ok := p.txs[c.Param("otn")]
	var view map[string]any
	if ok {
		p.expire(t)
		view = t.view()
	}
	p.mu.Unlock()
	if !ok {
		payError(c, http.StatusNotFound, "ORDER_NOT_EXIST", "订单不存在")
		return
	}
	p.reply(c, http.StatusOK, view, p.serial(c.Request))
}

// expire closes an unpaid order past its time_expire, as WeChat does. Called with p.mu held.
func (p *PayServer) expire(t *sbxTransaction) {
	if t.State == "NOTPAY" && t.TimeExpire != nil && p.opts.Now().After(*t.TimeExpire) {
		t.State = "CLOSED"
	}
}

var tradeStateDesc = map[string]string{
	"NOTPAY": "订单未支付", "SUCCESS": "支付成功", "CLOSED": "订单已关闭", "REFUND": "转入退款",
}

// view is the transaction as WeChat shows it (query answer and notification resource).
func (t *sbxTransaction) view() map[string]any {
	v := map[string]any{
		"appid": t.AppID, "mchid": t.MchID, "out_trade_no": t.OutTradeNo, "trade_type": "JSAPI",
		"trade_state": t.State, "trade_state_desc": tradeStateDesc[t.State], "attach": "",
		"payer":  map[string]any{"openid": t.OpenID},
		"amount": map[string]any{"total": t.Total, "currency": "CNY", "payer_currency": "CNY"},
	}
	if t.TransactionID != "" {
		v["transaction_id"] = t.TransactionID
		v["bank_type"] = "OTHERS"
		v["success_time"] = t.SuccessTime.In(chinaTime).Format(time.RFC3339)
		v["amount"].(map[string]any)["payer_total"] = t.Total - t.Coupon
		v["promotion_detail"] = []any{}
		if t.Coupon > 0 {
			v["promotion_detail"] = []any{map[string]any{
				"coupon_id": "sbx-coupon-" + t.OutTradeNo[len(t.OutTradeNo)-6:], "name": "微信支付立减", "scope": "GLOBAL",
				"type": "CASH", "amount": t.Coupon, "stock_id": "sbx-stock", "wechatpay_contribute": t.Coupon,
				"merchant_contribute": 0, "other_contribute": 0, "currency": "CNY",
			}}
		}
	}
	return v
}

var chinaTime = time.FixedZone("CST", 8*3600)

func (p *PayServer) closeOrder(c *gin.Context, body []byte) {
	var req struct {
		MchID string `json:"mchid"`
	}
	if json.Unmarshal(body, &req) != nil || req.MchID != p.opts.MchID {
		payError(c, http.StatusBadRequest, "PARAM_ERROR", "mchid 不正确")
		return
	}
	p.mu.Lock()
	t, ok := p.txs[c.Param("otn")]
	state := ""
	if ok {
		if t.State == "NOTPAY" {
			t.State = "CLOSED"
		}
		state = t.State
	}
	p.mu.Unlock()
	switch {
	case !ok:
		payError(c, http.StatusNotFound, "ORDER_NOT_EXIST", "订单不存在")
	case state == "SUCCESS" || state == "REFUND":
		payError(c, http.StatusBadRequest, "ORDERPAID", "订单已支付")
	default:
		p.reply(c, http.StatusNoContent, nil, p.serial(c.Request))
	}
}

type refundBody struct {
	TransactionID string `json:"transaction_id"`
	OutTradeNo    string `json:"out_trade_no"`
	OutRefundNo   string `json:"out_refund_no"`
	Reason        string `json:"reason"`
	NotifyURL     string `json:"notify_url"`
	Amount        *struct {
		Refund   int64  `json:"refund"`
		Total    int64  `json:"total"`
		Currency string `json:"currency"`
	} `json:"amount"`
}

func (p *PayServer) createRefund(c *gin.Context, body []byte) {
	var req refundBody
	if err := json.Unmarshal(body, &req); err != nil || req.OutRefundNo == "" || req.Amount == nil || req.Amount.Refund <= 0 {
		payError(c, http.StatusBadRequest, "PARAM_ERROR", "参数错误")
		return
	}
	p.mu.Lock()
	if r, ok := p.refunds[req.OutRefundNo]; ok { // the same refund asked again
		view := r.view()
		p.mu.Unlock()
		p.reply(c, http.StatusOK, view, p.serial(c.Request))
		return
	}
	var t *sbxTransaction
	for _, x := range p.txs {
		if req.OutTradeNo != "" && x.OutTradeNo == req.OutTradeNo || req.TransactionID != "" && x.TransactionID == req.TransactionID {
			t = x
			break
		}
	}
	var code, msg string
	status := http.StatusBadRequest
	switch {
	case t == nil:
		status, code, msg = http.StatusNotFound, "RESOURCE_NOT_EXISTS", "订单不存在"
	case t.State != "SUCCESS" && t.State != "REFUND":
		code, msg = "INVALID_REQUEST", "订单未支付"
	case req.Amount.Total != t.Total:
		code, msg = "PARAM_ERROR", "订单金额与原订单不符"
	case req.Amount.Refund > t.Total-t.Refunded:
		status, code, msg = http.StatusForbidden, "NOT_ENOUGH", "可退金额不足"
	}
	if code != "" {
		p.mu.Unlock()
		payError(c, status, code, msg)
		return
	}
	r := &sbxRefund{
		RefundID: "50" + digits(p.opts.Now(), 30), OutRefundNo: req.OutRefundNo, OutTradeNo: t.OutTradeNo,
		TransactionID: t.TransactionID, NotifyURL: req.NotifyURL, Status: "PROCESSING",
		Refund: req.Amount.Refund, Total: t.Total, CreateTime: p.opts.Now(),
	}
	p.refunds[r.OutRefundNo] = r
	t.Refunded += r.Refund
	t.State = "REFUND"
	view := r.view()
	p.mu.Unlock()
	p.reply(c, http.StatusOK, view, p.serial(c.Request))

	// WeChat completes refunds asynchronously, then notifies.
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.completeRefund(r.OutRefundNo)
	}()
}

func (p *PayServer) completeRefund(outRefundNo string) {
	p.mu.Lock()
	r := p.refunds[outRefundNo]
	r.Status = "SUCCESS"
	r.SuccessTime = p.opts.Now()
	resource := r.notice(p.opts.MchID)
	url := r.NotifyURL
	p.mu.Unlock()
	if url == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	req, err := p.NewNotification(ctx, url, "", "REFUND.SUCCESS", "退款成功", "refund", resource)
	if err == nil {
		_, err = p.deliver(req)
	}
	if err != nil {
		p.opts.Log.Warn("sandbox refund notification failed", "out_refund_no", outRefundNo, "err", err)
	}
}

// view is the refund as the refund API shows it.
func (r *sbxRefund) view() map[string]any {
	v := map[string]any{
		"refund_id": r.RefundID, "out_refund_no": r.OutRefundNo, "transaction_id": r.TransactionID,
		"out_trade_no": r.OutTradeNo, "channel": "ORIGINAL", "user_received_account": "支付用户零钱",
		"create_time": r.CreateTime.In(chinaTime).Format(time.RFC3339), "status": r.Status, "funds_account": "AVAILABLE",
		"amount": map[string]any{
			"total": r.Total, "refund": r.Refund, "payer_total": r.Total, "payer_refund": r.Refund,
			"settlement_total": r.Total, "settlement_refund": r.Refund, "discount_refund": 0, "currency": "CNY",
			"from": []any{},
		},
		"promotion_detail": []any{},
	}
	if !r.SuccessTime.IsZero() {
		v["success_time"] = r.SuccessTime.In(chinaTime).Format(time.RFC3339)
	}
	return v
}

// notice is the refund as a REFUND.* notification's resource shows it.
func (r *sbxRefund) notice(mchID string) map[string]any {
	v := map[string]any{
		"mchid": mchID, "out_trade_no": r.OutTradeNo, "transaction_id": r.TransactionID,
		"out_refund_no": r.OutRefundNo, "refund_id": r.RefundID, "refund_status": r.Status,
		"user_received_account": "支付用户零钱",
		"amount":                map[string]any{"total": r.Total, "refund": r.Refund, "payer_total": r.Total, "payer_refund": r.Refund},
	}
	if !r.SuccessTime.IsZero() {
		v["success_time"] = r.SuccessTime.In(chinaTime).Format(time.RFC3339)
	}
	return v
}

func (p *PayServer) queryRefund(c *gin.Context, _ []byte) {
	p.mu.Lock()
	r, ok := p.refunds[c.Param("no")]
	var view map[string]any
	if ok {
		view = r.view()
	}
	p.mu.Unlock()
	if !ok {
		payError(c, http.StatusNotFound, "RESOURCE_NOT_EXISTS", "退款单不存在")
		return
	}
	p.reply(c, http.StatusOK, view, p.serial(c.Request))
}

// certificates lists the platform certificate encrypted under the APIv3 key, as
// GET /v3/certificates does; it is always signed with the certificate itself.
func (p *PayServer) certificates(c *gin.Context, _ []byte) {
	k := p.opts.Keys
	nonce := payRandomHex(6) // 12 characters, the GCM nonce size
	ciphertext, err := encryptResource(k.APIv3Key, nonce, "certificate", []byte(k.PlatformCertPEM))
	if err != nil {
		payError(c, http.StatusInternalServerError, "SYSTEM_ERROR", "系统错误")
		return
	}
	p.reply(c, http.StatusOK, gin.H{"data": []gin.H{{
		"serial_no":      k.PlatformSerial,
		"effective_time": k.PlatformCert.NotBefore.In(chinaTime).Format(time.RFC3339),
		"expire_time":    k.PlatformCert.NotAfter.In(chinaTime).Format(time.RFC3339),
		"encrypt_certificate": gin.H{
			"algorithm": "AEAD_AES_256_GCM", "nonce": nonce, "associated_data": "certificate", "ciphertext": ciphertext,
		},
	}}}, k.PlatformSerial)
}

// ---- notifications ----

// NewNotification builds a notification request as WeChat Pay sends it: the resource
// encrypted with AEAD_AES_256_GCM under the APIv3 key, the body signed with the platform
// key. id may be empty (a new one is made). Tests use it to send variants (a wrong
// amount, another appid) that are nonetheless genuinely signed.
func (p *PayServer) NewNotification(ctx context.Context, url, id, eventType, summary, originalType string, resource any) (*http.Request, error) {
	plain, err := json.Marshal(resource)
	if err != nil {
		return nil, err
	}
	nonce := payRandomHex(6)
	ciphertext, err := encryptResource(p.opts.Keys.APIv3Key, nonce, originalType, plain)
	if err != nil {
		return nil, err
	}
	if id == "" {
		id = newUUID()
	}
	body, err := json.Marshal(map[string]any{
		"id": id, "create_time": p.opts.Now().In(chinaTime).Format(time.RFC3339),
		"resource_type": "encrypt-resource", "event_type": eventType, "summary": summary,
		"resource": map[string]any{
			"original_type": originalType, "algorithm": "AEAD_AES_256_GCM", "ciphertext": ciphertext,
			"associated_data": originalType, "nonce": nonce,
		},
	})
	if err != nil {
		return nil, err
	}
	return p.signedRequest(ctx, url, body)
}

func (p *PayServer) signedRequest(ctx context.Context, url string, body []byte) (*http.Request, error) {
	h, err := p.sign(body, p.serial(nil))
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header = h
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Mozilla/4.0")
	return req, nil
}

// deliver posts a notification and reports the merchant's status code.
func (p *PayServer) deliver(req *http.Request) (int, error) {
	resp, err := p.opts.NotifyClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}

func encryptResource(key, nonce, associatedData string, plain []byte) (string, error) {
	block, err := aes.NewCipher([]byte(key))
	if err != nil {
		return "", err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(gcm.Seal(nil, []byte(nonce), plain, []byte(associatedData))), nil
}

// ---- test hooks ----

// succeed marks an order paid, as the student confirming in WeChat, and sends the
// TRANSACTION.SUCCESS notification (unless ?notify=0). ?coupon_fen=N pays with a
// WeChat-funded discount of N fen (promotion_detail). It answers what the merchant said.
func (p *PayServer) succeed(c *gin.Context) {
	p.mu.Lock()
	t, ok := p.txs[c.Param("otn")]
	if ok {
		p.expire(t)
	}
	switch {
	case !ok:
		p.mu.Unlock()
		c.JSON(http.StatusNotFound, gin.H{"code": "ORDER_NOT_EXIST", "message": "订单不存在"})
		return
	case t.State != "NOTPAY":
		state := t.State
		p.mu.Unlock()
		c.JSON(http.StatusConflict, gin.H{"code": "INVALID_STATE", "message": "订单状态为 " + state})
		return
	}
	coupon, err := strconv.ParseInt(c.DefaultQuery("coupon_fen", "0"), 10, 64)
	if err != nil || coupon < 0 || coupon >= t.Total {
		p.mu.Unlock()
		c.JSON(http.StatusBadRequest, gin.H{"code": "PARAM_ERROR", "message": "coupon_fen must be 0 or more and less than the total"})
		return
	}
	t.Coupon = coupon
	now := p.opts.Now()
	t.State, t.SuccessTime = "SUCCESS", now
	t.TransactionID = "4200" + digits(now, 24)
	view, url := t.view(), t.NotifyURL
	p.mu.Unlock()

	out := gin.H{"out_trade_no": t.OutTradeNo, "trade_state": "SUCCESS", "notified": false}
	if c.Query("notify") == "0" {
		c.JSON(http.StatusOK, out)
		return
	}
	req, err := p.NewNotification(c.Request.Context(), url, "", "TRANSACTION.SUCCESS", "支付成功", "transaction", view)
	if err != nil {
		c.JSON(http.StatusInternalServerError, gin.H{"code": "SYSTEM_ERROR", "message": err.Error()})
		return
	}
	body, _ := io.ReadAll(req.Body)
	req.Body = io.NopCloser(bytes.NewReader(body))
	p.mu.Lock()
	t.lastNotice = body
	p.mu.Unlock()
	p.reportDelivery(c, req, out)
}

// resend delivers the order's last payment notification again (same id, fresh
// signature), as WeChat does when the merchant did not acknowledge it.
func (p *PayServer) resend(c *gin.Context) {
	p.mu.Lock()
	t, ok := p.txs[c.Param("otn")]
	var body []byte
	var url string
	if ok {
		body, url = t.lastNotice, t.NotifyURL
	}
	p.mu.Unlock()
	if body == nil {
		c.JSON(http.StatusNotFound, gin.H{"code": "NO_NOTIFICATION", "message": "该订单没有已发送的通知"})
		return
	}
	req, err := p.signedRequest(c.Request.Context(), url, body)
	if err != nil {
		c.JSON(http.StatusInternalServerError, gin.H{"code": "SYSTEM_ERROR", "message": err.Error()})
		return
	}
	p.reportDelivery(c, req, gin.H{"out_trade_no": c.Param("otn")})
}

func (p *PayServer) reportDelivery(c *gin.Context, req *http.Request, out gin.H) {
	status, err := p.deliver(req)
	out["notified"] = err == nil
	out["notify_status"] = status
	if err != nil {
		out["notify_error"] = err.Error()
	}
	c.JSON(http.StatusOK, out)
}

// fail closes an unpaid order (the student gave up and the order was closed).
func (p *PayServer) fail(c *gin.Context) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.txs[c.Param("otn")]
	switch {
	case !ok:
		c.JSON(http.StatusNotFound, gin.H{"code": "ORDER_NOT_EXIST", "message": "订单不存在"})
	case t.State != "NOTPAY":
		c.JSON(http.StatusConflict, gin.H{"code": "INVALID_STATE", "message": "订单状态为 " + t.State})
	default:
		t.State = "CLOSED"
		c.JSON(http.StatusOK, gin.H{"out_trade_no": t.OutTradeNo, "trade_state": "CLOSED"})
	}
}

// Paid implements PaidLookup for the shipping emulation.
func (p *PayServer) Paid(mchID, outTradeNo, transactionID string) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, t := range p.txs {
		if t.State != "SUCCESS" && t.State != "REFUND" {
			continue
		}
		if (outTradeNo != "" && t.OutTradeNo == outTradeNo && mchID == t.MchID) || (transactionID != "" && t.TransactionID == transactionID) {
			return t.OpenID, true
		}
	}
	return "", false
}

// ---- small helpers ----

// digits returns n decimal digits starting with the date, like WeChat's ids.
func digits(now time.Time, n int) string {
	s := now.Format("20060102")
	for len(s) < n {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		for _, x := range b {
			s += strconv.Itoa(int(x) % 10)
		}
	}
	return s[:n]
}

func newUUID() string {
	h := payRandomHex(16)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// payRandomHex returns 2n random hex digits.
func payRandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
