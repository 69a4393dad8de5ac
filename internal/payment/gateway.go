package payment

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Gateway is WeChat Pay v3 as the service needs it. WeChatGateway is the real one
// (wechatpay-go); tests run it against the sandbox of internal/sandbox.
type Gateway interface {
	// Prepay places a JSAPI order and returns the parameters for wx.requestPayment,
	// signed with the merchant key. Placing the same order again returns the same prepay_id.
	Prepay(ctx context.Context, req PrepayRequest) (prepayID string, params PayParams, err error)
	// QueryByOutTradeNo returns the transaction; ErrGatewayNotFound when WeChat has none.
	QueryByOutTradeNo(ctx context.Context, outTradeNo string) (*Transaction, error)
	// CloseOrder closes an unpaid order (WeChat accepts closing a closed order).
	CloseOrder(ctx context.Context, outTradeNo string) error
	// Refund asks for a full or partial refund; the result usually says PROCESSING.
	Refund(ctx context.Context, req RefundRequest) (*RefundResult, error)
	// QueryRefund returns a refund by out_refund_no; ErrGatewayNotFound when unknown.
	QueryRefund(ctx context.Context, outRefundNo string) (*RefundResult, error)
	// ParseNotify verifies a notification's signature and timestamp, then decrypts its
	// resource. Any failure wraps ErrNotifyRejected.
	ParseNotify(ctx context.Context, r *http.Request) (*Notice, error)
}

// PrepayRequest is what the service sends for a new order.
type PrepayRequest struct {
	OutTradeNo  string
	Description string
	AmountFen   int64
	OpenID      string
	ExpiresAt   time.Time
}

// PayParams go to wx.requestPayment as they are (WeChat's exact field names).
type PayParams struct {
	TimeStamp string `json:"timeStamp"`
	NonceStr  string `json:"nonceStr"`
	Package   string `json:"package"`
	SignType  string `json:"signType"`
	PaySign   string `json:"paySign"`
}

// Transaction is WeChat's view of an order: a query answer or a notification's resource.
type Transaction struct {
	AppID          string             `json:"appid"`
	MchID          string             `json:"mchid"`
	OutTradeNo     string             `json:"out_trade_no"`
	TransactionID  string             `json:"transaction_id"`
	TradeType      string             `json:"trade_type"`
	TradeState     string             `json:"trade_state"` // SUCCESS, NOTPAY, CLOSED, REFUND, USERPAYING, PAYERROR, REVOKED
	TradeStateDesc string             `json:"trade_state_desc"`
	SuccessTime    string             `json:"success_time"`
	Payer          TransactionPayer   `json:"payer"`
	Amount         *TransactionAmount `json:"amount"`
	// PromotionDetail lists the discounts (coupons) of the payment: why payer_total may
	// be below total.
	PromotionDetail []TransactionPromotion `json:"promotion_detail"`
}

// TransactionPromotion is one discount of a payment, in fen.
type TransactionPromotion struct {
	CouponID            string `json:"coupon_id"`
	Amount              int64  `json:"amount"`
	WechatpayContribute int64  `json:"wechatpay_contribute"`
	MerchantContribute  int64  `json:"merchant_contribute"`
	OtherContribute     int64  `json:"other_contribute"`
}

// TransactionPayer is the payer of a transaction.
type TransactionPayer struct {
	OpenID string `json:"openid"`
}

// TransactionAmount is the amount of a transaction, in fen.
type TransactionAmount struct {
	Total         int64  `json:"total"`
	PayerTotal    *int64 `json:"payer_total"`
	Currency      string `json:"currency"`
	PayerCurrency string `json:"payer_currency"`
}

// Trade states of WeChat Pay.
const (
	TradeSuccess    = "SUCCESS"
	TradeNotPay     = "NOTPAY"
	TradeClosed     = "CLOSED"
	TradeRefund     = "REFUND"
	TradeUserPaying = "USERPAYING"
	TradePayError   = "PAYERROR"
	TradeRevoked    = "REVOKED"
)

// RefundRequest asks for a refund of an order.
type RefundRequest struct {
	OutTradeNo  string
	OutRefundNo string
	Reason      string
	RefundFen   int64
	TotalFen    int64
}

// RefundResult is WeChat's view of a refund (the answer, a query, or a notification's resource).
type RefundResult struct {
	MchID         string `json:"mchid"`
	OutTradeNo    string `json:"out_trade_no"`
	TransactionID string `json:"transaction_id"`
	OutRefundNo   string `json:"out_refund_no"`
	RefundID      string `json:"refund_id"`
	// Status is refund_status in notifications and status in API answers:
	// PROCESSING, SUCCESS, ABNORMAL, CLOSED.
	Status      string        `json:"refund_status"`
	SuccessTime string        `json:"success_time"`
	Amount      *RefundAmount `json:"amount"`
}

// RefundAmount is the amount of a refund, in fen.
type RefundAmount struct {
	Total       int64 `json:"total"`
	Refund      int64 `json:"refund"`
	PayerTotal  int64 `json:"payer_total"`
	PayerRefund int64 `json:"payer_refund"`
}

// Refund states of WeChat Pay.
const (
	RefundProcessing = "PROCESSING"
	RefundSuccess    = "SUCCESS"
	RefundAbnormal   = "ABNORMAL"
	RefundClosed     = "CLOSED"
)

// Notice is a verified, decrypted notification.
type Notice struct {
	ID           string
	EventType    string // TRANSACTION.SUCCESS, REFUND.SUCCESS, REFUND.ABNORMAL, REFUND.CLOSED
	ResourceType string
	OriginalType string
	Summary      string
	CreateTime   *time.Time
	// Plaintext is the decrypted resource (JSON).
	Plaintext string
}

// Errors of the gateway, matched with errors.Is.
var (
	// ErrNotifyRejected: unsigned, wrongly signed, stale, unknown serial, undecryptable.
	ErrNotifyRejected = errors.New("payment: notification rejected")
	// ErrGatewayNotFound: WeChat knows no such order or refund.
	ErrGatewayNotFound = errors.New("payment: not found at WeChat Pay")
)

// GatewayError is a definite refusal by WeChat Pay (a 4xx/5xx answer with its code).
type GatewayError struct {
	StatusCode int
	Code       string // e.g. ORDERPAID, ORDER_CLOSED, PARAM_ERROR, NOT_ENOUGH
	Message    string
}

func (e *GatewayError) Error() string {
	return fmt.Sprintf("wechat pay: %d %s: %s", e.StatusCode, e.Code, e.Message)
}
