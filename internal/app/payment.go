package app

import (
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/utils"

	"github.com/gradphoto/gradphoto/internal/config"
	"github.com/gradphoto/gradphoto/internal/payment"
	"github.com/gradphoto/gradphoto/internal/sandbox"
	"github.com/gradphoto/gradphoto/internal/usecase"
)

// payments is what newPayments builds.
type payments struct {
	service *payment.Service
	gateway *payment.WeChatGateway
	sandbox *sandbox.PayServer // nil in production
}

// newPayments builds WeChat Pay (after the review queue and the audit trail it needs):
// in sandbox mode against the built-in emulator (keys
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
	alerts := usecase.NewPaymentAlerts(a.Audit, a.Outbox, cfg.Support.AlertPhone)
	out.service = payment.NewService(a.DB, gw, usecase.NewSettlement(a.Collections, a.Reviews), a.Reviews, alerts, payment.Config{
		AppID: cfg.WeChat.AppID, MchID: cfg.Pay.MchID, OrderExpiry: cfg.Pay.OrderExpiry, ReconcileAfter: cfg.Pay.ReconcileAfter,
		QueryOnReadInterval: cfg.Pay.QueryOnReadInterval,
	}, now, a.Log)
	return out, nil
}
