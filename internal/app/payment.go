package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/utils"

	"github.com/gradphoto/gradphoto/internal/audit"
	"github.com/gradphoto/gradphoto/internal/auth"
	"github.com/gradphoto/gradphoto/internal/collection"
	"github.com/gradphoto/gradphoto/internal/config"
	"github.com/gradphoto/gradphoto/internal/notify"
	"github.com/gradphoto/gradphoto/internal/payment"
	"github.com/gradphoto/gradphoto/internal/sandbox"
	"github.com/gradphoto/gradphoto/internal/school"
)

// payments is what newPayments builds.
type payments struct {
	service *payment.Service
	gateway *payment.WeChatGateway
	sandbox *sandbox.PayServer // nil in production
}

// newPayments builds WeChat Pay: in sandbox mode against the built-in emulator (keys
// generated under <data_dir>/sandbox/pay), in production against WeChat with the
// configured merchant key and either platform certificates or the public key.
func newPayments(cfg *config.Config, a *App, httpClient *http.Client, now func() time.Time) (*payments, error) {
	gcfg := payment.GatewayConfig{
		AppID: cfg.WeChat.AppID, MchID: cfg.Pay.MchID, MchCertSerial: cfg.Pay.MchCertSerial, APIv3Key: cfg.Pay.APIv3Key,
		PublicKeyID: cfg.Pay.PublicKeyID, NotifyURL: cfg.Pay.NotifyURL, RefundNotifyURL: cfg.Pay.RefundNotifyURL,
	}
	out := &payments{}
	if cfg.Sandbox() {
		keys, err := sandbox.EnsurePayKeys(filepath.Join(cfg.DataDir, "sandbox", "pay"))
		if err != nil {
			return nil, err
		}
		out.sandbox = sandbox.NewPayServer(sandbox.PayOptions{Keys: keys, AppID: cfg.WeChat.AppID, MchID: cfg.Pay.MchID, Log: a.Log})
		gcfg.MchCertSerial, gcfg.MchPrivateKey, gcfg.APIv3Key = keys.MchSerial, keys.MchPrivateKey, keys.APIv3Key
		gcfg.PublicKeyID = "" // the sandbox's platform certificate is downloaded like WeChat's
	} else {
		key, err := utils.LoadPrivateKeyWithPath(cfg.Pay.MchKeyFile)
		if err != nil {
			return nil, fmt.Errorf("config: pay.mch_key_file (GRADPHOTO_PAY_MCH_KEY_FILE): %w", err)
		}
		gcfg.MchPrivateKey = key
		if cfg.Pay.PublicKeyFile != "" {
			pub, err := utils.LoadPublicKeyWithPath(cfg.Pay.PublicKeyFile)
			if err != nil {
				return nil, fmt.Errorf("config: pay.public_key_file (GRADPHOTO_PAY_PUBLIC_KEY_FILE): %w", err)
			}
			gcfg.PublicKey = pub
		}
		if (gcfg.PublicKey == nil) != (gcfg.PublicKeyID == "") {
			return nil, errors.New("config: pay.public_key_id and pay.public_key_file go together")
		}
	}
	gw, err := payment.NewWeChatGateway(gcfg, httpClient)
	if err != nil {
		return nil, err
	}
	out.gateway = gw
	cols := &paymentCollections{cols: a.Collections, schools: a.Schools, auth: a.Auth, app: a}
	// Reviews are wired with SetReviews once the review queue is built.
	out.service = payment.NewService(a.DB, gw, cols, nil, payment.Config{
		AppID: cfg.WeChat.AppID, MchID: cfg.Pay.MchID, OrderExpiry: cfg.Pay.OrderExpiry, ReconcileAfter: cfg.Pay.ReconcileAfter,
		QueryOnReadInterval: cfg.Pay.QueryOnReadInterval,
	}, now, a.Log)
	a.Collections.SetOrders(orderSummaries{out.service})
	return out, nil
}

// paymentCollections adapts collections, schools and accounts to payment.Collections.
type paymentCollections struct {
	cols    *collection.Service
	schools *school.Service
	auth    *auth.Service
	app     *App // its review queue is built after payments
}

func (p *paymentCollections) PaymentSubject(ctx context.Context, userID, collectionID string) (payment.Subject, error) {
	c, err := p.cols.ByID(ctx, collectionID)
	if err != nil {
		return payment.Subject{}, err
	}
	if !c.OwnedBy(userID) {
		return payment.Subject{}, collection.ErrNotFound
	}
	sc, err := p.schools.Get(ctx, c.SchoolID)
	if err != nil {
		return payment.Subject{}, err
	}
	openID, err := p.auth.OpenID(ctx, userID)
	if err != nil {
		return payment.Subject{}, err
	}
	return payment.Subject{
		CollectionID: c.ID, UserID: c.UserID, OpenID: openID, SchoolName: sc.Name, AmountFen: sc.PriceFen,
		Status: string(c.Status), AlreadyHasCHSIPhoto: c.AlreadyHasCHSIPhoto && !c.CHSIPhotoAck,
	}, nil
}

// Withdraw takes the collection out of review when its order is refunded.
func (p *paymentCollections) Withdraw(ctx context.Context, collectionID string) error {
	if err := p.cols.Withdraw(ctx, collectionID); err != nil {
		return err
	}
	if p.app.Reviews == nil {
		return nil
	}
	return p.app.Reviews.Cancel(ctx, collectionID)
}

func (p *paymentCollections) MarkPaid(ctx context.Context, collectionID, _ string, _ time.Time) error {
	return p.cols.MarkPaid(ctx, collectionID)
}

// orderSummaries adapts the payment service to collection.Orders (the collection view's order).
type orderSummaries struct{ s *payment.Service }

// SyncOpenOrder lets a collection read ask WeChat Pay about an open order (collection.OpenOrderSyncer).
func (o orderSummaries) SyncOpenOrder(ctx context.Context, collectionID string) {
	o.s.SyncOpenOrder(ctx, collectionID)
}

func (o orderSummaries) OrderSummary(ctx context.Context, collectionID string) (*collection.OrderRef, error) {
	ord, err := o.s.OrderForCollection(ctx, collectionID)
	if err != nil || ord == nil {
		return nil, err
	}
	ref := &collection.OrderRef{OutTradeNo: ord.OutTradeNo, AmountFen: ord.AmountFen, Status: ord.Status, PaidAt: ord.PaidAt}
	switch ord.Status {
	case payment.StatusRefunding:
		ref.Refund = &collection.RefundRef{Status: ord.Status, AmountFen: ord.AmountFen, At: ord.RefundRequestedAt}
	case payment.StatusRefunded:
		ref.Refund = &collection.RefundRef{Status: ord.Status, AmountFen: ord.AmountFen, At: ord.RefundedAt}
	}
	return ref, nil
}

// paymentAlerts tells people about payment anomalies, inside the transaction that
// records them: an audit entry, and an SMS to support through the outbox when
// support.alert_phone is set.
type paymentAlerts struct {
	trail  *audit.Log
	outbox *notify.Outbox
	phone  string
}

func (p paymentAlerts) PaymentAnomaly(ctx context.Context, a payment.Anomaly) error {
	detail := map[string]any{"source": a.Source, "collection_id": a.CollectionID, "amount_fen": a.AmountFen,
		"detail": a.Detail, "auto_refund": a.AutoRefund}
	if err := p.trail.Record(ctx, audit.Actor{Username: "system", Role: "system"}, audit.ActionPaymentAnomaly, a.OutTradeNo, detail); err != nil {
		return err
	}
	if p.phone == "" || p.outbox == nil {
		return nil
	}
	action := "请人工处理"
	if a.AutoRefund {
		action = "已自动退款"
	}
	return p.outbox.Enqueue(ctx, notify.Message{IdempotencyKey: "payment_anomaly:" + a.Source, Channel: notify.ChannelSMS,
		Recipient: p.phone, Template: notify.TemplatePaymentAnomaly, CollectionID: a.CollectionID,
		Params: map[string]string{notify.ParamOrder: a.OutTradeNo, notify.ParamAction: action}})
}
