// Package payment owns WeChat Pay (v3, JSAPI) for gradphoto: orders, the verification
// and once-only application of payment and refund notifications, queries, closing,
// refunds, and the reconciliation job that settles orders whose notification never came.
package payment

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/db"
)

// Subject is the collection an order is placed for, as the order-placing use case
// (internal/usecase) found it: the caller has checked that it is the student's own.
type Subject struct {
	CollectionID string
	UserID       string
	OpenID       string
	SchoolName   string
	AmountFen    int64
	Status       string // the collection's status; payment needs photo_ok
	// AlreadyHasCHSIPhoto: the roster says the student has a 学信网 photo and they have
	// not acknowledged the notice yet.
	AlreadyHasCHSIPhoto bool
}

// CollectionStatusPayable is the collection status from which an order can be placed.
const CollectionStatusPayable = "photo_ok"

// Collections is what payment changes on a collection (internal/usecase.Settlement).
type Collections interface {
	// MarkPaid moves the collection photo_ok → in_review. Called inside the payment
	// transaction: it must use db.Conn(ctx, g).
	MarkPaid(ctx context.Context, collectionID, outTradeNo string, paidAt time.Time) error
	// Withdraw takes a collection whose order is being refunded out of review (back to
	// photo_ok, open review task cancelled). Called inside the refund transaction.
	Withdraw(ctx context.Context, collectionID string) error
}

// Reviews is implemented by internal/review: the paid collection joins the review queue.
// Called inside the payment transaction.
type Reviews interface {
	Enqueue(ctx context.Context, collectionID string, paidAt time.Time) error
}

// Alerts tells people about money that needs one: usecase.PaymentAlerts writes the audit trail
// and queues an SMS to support through the outbox. It is called inside the transaction
// that records the anomaly, so an anomaly is told exactly once.
type Alerts interface {
	PaymentAnomaly(ctx context.Context, a Anomaly) error
}

// Anomaly is a verified payment or refund that disagrees with our orders.
type Anomaly struct {
	Source       string // notification id, or "query:..." from the reconciler
	OutTradeNo   string
	CollectionID string // empty when the order is unknown
	AmountFen    int64
	Detail       string
	// AutoRefund: the money was taken on an order that cannot keep it (paid after it was
	// closed, a second payment of the collection) and is being refunded automatically.
	AutoRefund bool
}

// Config holds the service's rules.
type Config struct {
	AppID string // checked against every notification
	MchID string
	// OrderExpiry: an order not paid within it is closed (default 2h).
	OrderExpiry time.Duration
	// ReconcileAfter: an open order or a refund is queried once older than this (default 10m).
	ReconcileAfter time.Duration
	// ReconcileLease: how long a reconciler instance holds an order (default 2m).
	ReconcileLease time.Duration
	// ReconcileBatch: orders claimed per run (default 50).
	ReconcileBatch int
	// QueryOnReadInterval: at most one query on read per open order this often (default 3s).
	QueryOnReadInterval time.Duration
}

func (c *Config) fill() {
	if c.OrderExpiry <= 0 {
		c.OrderExpiry = 2 * time.Hour
	}
	if c.ReconcileAfter <= 0 {
		c.ReconcileAfter = 10 * time.Minute
	}
	if c.ReconcileLease <= 0 {
		c.ReconcileLease = 2 * time.Minute
	}
	if c.ReconcileBatch <= 0 {
		c.ReconcileBatch = 50
	}
	if c.QueryOnReadInterval <= 0 {
		c.QueryOnReadInterval = 3 * time.Second
	}
}

// Errors of the package.
var (
	ErrAlreadyPaid         = apperr.Conflict("already_paid", "该采集已完成支付，无需重复支付")
	ErrAlreadyHasCHSIPhoto = apperr.Conflict("already_has_chsi_photo",
		"学校名单显示您在学信网已有学历照片。学信网不能重复采集，支付后照片可能无法使用，费用不予退还。如仍需采集，请确认后再支付。")
	ErrOrderNotFound   = apperr.NotFound("order_not_found", "未找到该订单")
	ErrNotPaid         = apperr.Conflict("order_not_paid", "订单尚未支付，无法退款")
	ErrAlreadyRefunded = apperr.Conflict("already_refunded", "该订单已退款")
	ErrRefundRefused   = apperr.Conflict("refund_refused", "微信支付未受理退款申请，请稍后重试或联系管理员")
	ErrPayUnavailable  = apperr.Unavailable("payment_unavailable", "微信支付暂时不可用，请稍后再试")
	// ErrNotifyInvalid: the notification failed verification; the handler answers 401 FAIL.
	ErrNotifyInvalid = apperr.Unauthorized("notify_invalid", "签名验证失败")
)

// Service is the payment domain service.
type Service struct {
	g        *gorm.DB
	gw       Gateway
	cols     Collections
	reviews  Reviews
	alerts   Alerts
	cfg      Config
	now      func() time.Time
	log      *slog.Logger
	instance string // lease owner name of this process
	onRead   readLimiter
	ship     shipping
}

// NewService builds the service. now is the clock (time.Now in production).
func NewService(g *gorm.DB, gw Gateway, cols Collections, reviews Reviews, alerts Alerts, cfg Config, now func() time.Time, log *slog.Logger) *Service {
	cfg.fill()
	if now == nil {
		now = time.Now
	}
	return &Service{g: g, gw: gw, cols: cols, reviews: reviews, alerts: alerts, cfg: cfg, now: now, log: log, instance: randomHex(8)}
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// CreateOrder places (or re-places) the order for a collection and returns the
// parameters for wx.requestPayment. An open, unexpired order is reused, so paying twice
// from two taps pays one order.
func (s *Service) CreateOrder(ctx context.Context, subj Subject, ackCHSI bool) (*Order, PayParams, error) {
	collectionID := subj.CollectionID
	var paid int64
	if err := db.Conn(ctx, s.g).Model(&Order{}).
		Where("collection_id = ? AND status IN ?", collectionID, []string{StatusPaid, StatusRefunding}).
		Count(&paid).Error; err != nil {
		return nil, PayParams{}, apperr.Internal(fmt.Errorf("payment: find paid order: %w", err))
	}
	if paid > 0 {
		return nil, PayParams{}, ErrAlreadyPaid
	}
	if subj.Status != CollectionStatusPayable {
		return nil, PayParams{}, apperr.ErrWrongStep
	}
	if subj.AlreadyHasCHSIPhoto && !ackCHSI {
		return nil, PayParams{}, ErrAlreadyHasCHSIPhoto.WithDetails(map[string]any{"ack_required": true})
	}
	if subj.AmountFen <= 0 || subj.OpenID == "" {
		return nil, PayParams{}, apperr.Internal(fmt.Errorf("payment: collection %s has no price or openid", collectionID))
	}
	for attempt := 0; attempt < 3; attempt++ {
		open, err := s.openOrder(ctx, collectionID)
		if err != nil {
			return nil, PayParams{}, err
		}
		if open != nil {
			// Reuse only what WeChat will still accept as the same order.
			if open.ExpiresAt.After(s.clock().Add(5*time.Minute)) && open.AmountFen == subj.AmountFen && open.OpenID == subj.OpenID {
				o, params, err := s.prepay(ctx, open)
				if !errors.Is(err, errClosedAtWeChat) {
					return o, params, err
				}
				// WeChat closed it (on its side, or expired early): re-order in this
				// request, so the student's one tap pays a new order.
				if _, err := s.markClosed(ctx, open.OutTradeNo); err != nil {
					return nil, PayParams{}, apperr.Internal(err)
				}
				continue
			}
			if err := s.closeOpen(ctx, open); err != nil {
				return nil, PayParams{}, err
			}
			continue
		}
		o, err := s.insertOrder(ctx, subj)
		if errors.Is(err, errRaced) {
			continue // another request placed the order first: use it
		}
		if err != nil {
			return nil, PayParams{}, err
		}
		o, params, err := s.prepay(ctx, o)
		if errors.Is(err, errClosedAtWeChat) {
			// A fresh out_trade_no cannot be closed at WeChat: something else is wrong.
			return nil, PayParams{}, ErrPayUnavailable.Wrap(err)
		}
		return o, params, err
	}
	return nil, PayParams{}, apperr.ErrWrongStep
}

var (
	errRaced = errors.New("payment: concurrent order")
	// errClosedAtWeChat: the prepay was answered ORDER_CLOSED.
	errClosedAtWeChat = errors.New("payment: order closed at WeChat Pay")
)

func (s *Service) openOrder(ctx context.Context, collectionID string) (*Order, error) {
	var o Order
	err := db.Conn(ctx, s.g).Where("open_collection_id = ?", collectionID).Take(&o).Error
	if db.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, apperr.Internal(fmt.Errorf("payment: find open order: %w", err))
	}
	return &o, nil
}

func (s *Service) insertOrder(ctx context.Context, subj Subject) (*Order, error) {
	now := s.clock()
	cid := subj.CollectionID
	o := &Order{
		OutTradeNo:       newOutTradeNo(now),
		CollectionID:     subj.CollectionID,
		UserID:           subj.UserID,
		OpenID:           subj.OpenID,
		AmountFen:        subj.AmountFen,
		Description:      truncateRunes("学历照片采集-"+subj.SchoolName, 40),
		Status:           StatusCreated,
		OpenCollectionID: &cid,
		ExpiresAt:        now.Add(s.cfg.OrderExpiry),
		CreatedAt:        now,
		UpdatedAt:        now,
	}
	if err := db.Conn(ctx, s.g).Create(o).Error; err != nil {
		if db.IsDuplicate(err) {
			return nil, errRaced
		}
		return nil, apperr.Internal(fmt.Errorf("payment: insert order: %w", err))
	}
	s.log.InfoContext(ctx, "payment order created", "out_trade_no", o.OutTradeNo, "collection_id", o.CollectionID, "amount_fen", o.AmountFen)
	return o, nil
}

func (s *Service) prepay(ctx context.Context, o *Order) (*Order, PayParams, error) {
	prepayID, params, err := s.gw.Prepay(ctx, PrepayRequest{
		OutTradeNo: o.OutTradeNo, Description: o.Description, AmountFen: o.AmountFen,
		OpenID: o.OpenID, ExpiresAt: o.ExpiresAt,
	})
	if err != nil {
		if isOrderPaid(err) {
			// Paid but not yet notified: settle it now rather than tell the student to pay again.
			s.syncCreated(ctx, o)
			return nil, PayParams{}, ErrAlreadyPaid
		}
		if isGatewayCode(err, "ORDER_CLOSED") {
			s.log.InfoContext(ctx, "payment order closed at WeChat", "out_trade_no", o.OutTradeNo)
			return nil, PayParams{}, fmt.Errorf("%w: %w", errClosedAtWeChat, err)
		}
		s.log.ErrorContext(ctx, "payment prepay failed", "out_trade_no", o.OutTradeNo, "err", err)
		return nil, PayParams{}, ErrPayUnavailable.Wrap(err)
	}
	if prepayID != o.PrepayID {
		if err := db.Conn(ctx, s.g).Model(&Order{}).Where("out_trade_no = ?", o.OutTradeNo).
			Updates(map[string]any{"prepay_id": prepayID, "updated_at": s.clock()}).Error; err != nil {
			return nil, PayParams{}, apperr.Internal(fmt.Errorf("payment: save prepay id: %w", err))
		}
		o.PrepayID = prepayID
	}
	return o, params, nil
}

// closeOpen closes an open order that can no longer be reused (expired, price changed).
func (s *Service) closeOpen(ctx context.Context, o *Order) error {
	// Closed at WeChat even without a saved prepay_id: a prepay may have reached WeChat
	// and failed only on the way back.
	if err := s.gw.CloseOrder(ctx, o.OutTradeNo); err != nil && !errors.Is(err, ErrGatewayNotFound) {
		if isOrderPaid(err) {
			s.syncCreated(ctx, o)
			return ErrAlreadyPaid
		}
		return ErrPayUnavailable.Wrap(err)
	}
	if _, err := s.markClosed(ctx, o.OutTradeNo); err != nil {
		return apperr.Internal(err)
	}
	return nil
}

// markClosed closes a created order locally; false when it was no longer created.
func (s *Service) markClosed(ctx context.Context, outTradeNo string) (bool, error) {
	now := s.clock()
	res := db.Conn(ctx, s.g).Model(&Order{}).Where("out_trade_no = ? AND status = ?", outTradeNo, StatusCreated).
		Updates(map[string]any{"status": StatusClosed, "closed_at": now, "open_collection_id": nil, "updated_at": now})
	if res.Error != nil {
		return false, fmt.Errorf("payment: close order: %w", res.Error)
	}
	if res.RowsAffected == 1 {
		s.log.InfoContext(ctx, "payment order closed", "out_trade_no", outTradeNo)
	}
	return res.RowsAffected == 1, nil
}

// FindOrder returns an order by out_trade_no.
func (s *Service) FindOrder(ctx context.Context, outTradeNo string) (*Order, error) {
	var o Order
	err := db.Conn(ctx, s.g).Where("out_trade_no = ?", outTradeNo).Take(&o).Error
	if db.IsNotFound(err) {
		return nil, ErrOrderNotFound
	}
	if err != nil {
		return nil, apperr.Internal(fmt.Errorf("payment: find order: %w", err))
	}
	return &o, nil
}

// OrderForCollection returns the latest order of a collection, nil if it has none.
func (s *Service) OrderForCollection(ctx context.Context, collectionID string) (*Order, error) {
	var o Order
	err := db.Conn(ctx, s.g).Where("collection_id = ?", collectionID).
		Order("created_at DESC").Order("out_trade_no DESC").Take(&o).Error
	if db.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, apperr.Internal(fmt.Errorf("payment: order for collection: %w", err))
	}
	return &o, nil
}

// Notifications lists what was recorded for an order (support's timeline), oldest first.
func (s *Service) Notifications(ctx context.Context, outTradeNo string) ([]Notification, error) {
	var ns []Notification
	if err := db.Conn(ctx, s.g).Where("out_trade_no = ?", outTradeNo).Order("created_at").Find(&ns).Error; err != nil {
		return nil, apperr.Internal(fmt.Errorf("payment: notifications: %w", err))
	}
	return ns, nil
}

// newOutTradeNo: "P" + yymmdd + 24 hex digits (96 random bits) = 31 characters, within
// WeChat's 32 and unguessable; the date helps support read it.
func newOutTradeNo(now time.Time) string {
	return "P" + now.Format("060102") + randomHex(12)
}

func isOrderPaid(err error) bool {
	return isGatewayCode(err, "ORDERPAID") || isGatewayCode(err, "ORDER_PAID")
}

// isGatewayCode reports WeChat Pay's error code (core.APIError.Code) behind err.
func isGatewayCode(err error, code string) bool {
	var ge *GatewayError
	return errors.As(err, &ge) && ge.Code == code
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // the system's randomness failing is not recoverable
	}
	return hex.EncodeToString(b)
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
