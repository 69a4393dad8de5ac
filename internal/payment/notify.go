package payment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"gorm.io/gorm"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/db"
)

// Event types of WeChat Pay notifications.
const (
	EventTransactionSuccess = "TRANSACTION.SUCCESS"
	EventRefundSuccess      = "REFUND.SUCCESS"
	EventRefundAbnormal     = "REFUND.ABNORMAL"
	EventRefundClosed       = "REFUND.CLOSED"
)

// errSeen aborts the transaction of a notification whose id is already recorded.
var errSeen = errors.New("payment: notification already processed")

// HandleNotify verifies and applies a payment notification. nil means "answer 200":
// applied now, applied before, or recorded as an anomaly. An apperr Unauthorized means
// the notification is not WeChat's (answer 401 FAIL); anything else is ours to fix (5xx,
// WeChat retries).
func (s *Service) HandleNotify(ctx context.Context, r *http.Request) error {
	n, err := s.parseNotice(ctx, r)
	if err != nil {
		return err
	}
	if n.EventType != EventTransactionSuccess {
		return s.recordOnly(ctx, n.ID, n.EventType, "", OutcomeIgnored, "event type not handled")
	}
	var t Transaction
	if err := json.Unmarshal([]byte(n.Plaintext), &t); err != nil {
		return s.recordOnly(ctx, n.ID, n.EventType, "", OutcomeAnomaly, "resource is not a transaction")
	}
	_, err = s.applyTransaction(ctx, n.ID, n.EventType, &t)
	return err
}

// HandleRefundNotify verifies and applies a refund notification (same answers as HandleNotify).
func (s *Service) HandleRefundNotify(ctx context.Context, r *http.Request) error {
	n, err := s.parseNotice(ctx, r)
	if err != nil {
		return err
	}
	switch n.EventType {
	case EventRefundSuccess, EventRefundAbnormal, EventRefundClosed:
	default:
		return s.recordOnly(ctx, n.ID, n.EventType, "", OutcomeIgnored, "event type not handled")
	}
	var rr RefundResult
	if err := json.Unmarshal([]byte(n.Plaintext), &rr); err != nil {
		return s.recordOnly(ctx, n.ID, n.EventType, "", OutcomeAnomaly, "resource is not a refund")
	}
	_, err = s.applyRefund(ctx, n.ID, n.EventType, &rr)
	return err
}

func (s *Service) parseNotice(ctx context.Context, r *http.Request) (*Notice, error) {
	n, err := s.gw.ParseNotify(ctx, r)
	if errors.Is(err, ErrNotifyRejected) {
		// WeChat probes merchants with deliberately bad signatures; refusing them is correct.
		s.log.WarnContext(ctx, "payment notification rejected", "err", err)
		return nil, ErrNotifyInvalid.Wrap(err)
	}
	if err != nil {
		s.log.ErrorContext(ctx, "payment notification not verifiable", "err", err)
		return nil, ErrPayUnavailable.Wrap(err)
	}
	if n.ID == "" {
		return nil, ErrNotifyInvalid.Wrap(errors.New("notification without id"))
	}
	return n, nil
}

// recordOnly records a verified notification that changes no order.
func (s *Service) recordOnly(ctx context.Context, id, event, outTradeNo, outcome, detail string) error {
	err := db.Tx(ctx, s.g, func(ctx context.Context) error {
		if err := db.Conn(ctx, s.g).Create(&Notification{
			ID: id, EventType: event, OutTradeNo: outTradeNo, Outcome: outcome, Detail: detail, CreatedAt: s.clock(),
		}).Error; err != nil {
			if db.IsDuplicate(err) {
				return errSeen
			}
			return err
		}
		if outcome != OutcomeAnomaly {
			return nil
		}
		return s.tell(ctx, Anomaly{Source: id, OutTradeNo: outTradeNo, Detail: detail})
	})
	if errors.Is(err, errSeen) {
		return nil
	}
	if err != nil {
		return ErrPayUnavailable.Wrap(fmt.Errorf("payment: record notification: %w", err))
	}
	if outcome == OutcomeAnomaly {
		s.alert(ctx, id, outTradeNo, detail)
	}
	return nil
}

// tell hands an anomaly to the Alerts inside the recording transaction.
func (s *Service) tell(ctx context.Context, a Anomaly) error {
	if err := s.alerts.PaymentAnomaly(ctx, a); err != nil {
		return fmt.Errorf("payment: tell anomaly: %w", err)
	}
	return nil
}

// alert is the log line monitoring pages on. It names the order, never the payer.
func (s *Service) alert(ctx context.Context, id, outTradeNo, detail string) {
	s.log.ErrorContext(ctx, "ALERT payment anomaly", "alert", "payment_anomaly",
		"notification_id", id, "out_trade_no", outTradeNo, "detail", detail)
}

// applyTransaction applies a successful payment exactly once, in one transaction: the
// notification id, the order, the collection, the review queue. id identifies the source
// (a notification id, or "query:..." from the reconciler). It returns the outcome.
//
// A transaction that disagrees with our order (appid, mchid, amount, currency, payer,
// unknown order) is recorded and alerted but not applied, and the notification is
// answered 200: WeChat resending a signed notification cannot change its content, so a
// 4xx/5xx would only repeat it for a day and bury the alert in noise. A human resolves
// it; the record keeps the evidence. Money taken on an order that cannot keep it (paid
// after we closed it, or a second paid order of the collection) is refunded
// automatically: never a second charge kept.
func (s *Service) applyTransaction(ctx context.Context, id, event string, t *Transaction) (string, error) {
	var outcome, detail string
	var refund bool
	var order Order
	err := db.Tx(ctx, s.g, func(ctx context.Context) error {
		q := db.Conn(ctx, s.g)
		now := s.clock()
		if err := q.Create(&Notification{ID: id, EventType: event, OutTradeNo: t.OutTradeNo, Outcome: OutcomeIgnored, CreatedAt: now}).Error; err != nil {
			if db.IsDuplicate(err) {
				return errSeen
			}
			return err
		}
		var err error
		if outcome, detail, refund, err = s.decideTransaction(q, t, &order); err != nil {
			return err
		}
		paidAt := parseWeChatTime(t.SuccessTime, now)
		if outcome == OutcomeApplied {
			cid := order.CollectionID
			res := q.Model(&Order{}).Where("out_trade_no = ? AND status = ?", order.OutTradeNo, StatusCreated).
				Updates(map[string]any{
					"status": StatusPaid, "paid_at": paidAt, "transaction_id": t.TransactionID,
					"payer_total_fen": t.Amount.PayerTotal, "open_collection_id": nil, "paid_collection_id": cid,
					"updated_at": now,
				})
			switch {
			case res.Error != nil && db.IsDuplicate(res.Error):
				// Two orders of one collection both paid: money taken twice.
				outcome, detail, refund = OutcomeAnomaly, "second paid order for the collection", true
			case res.Error != nil:
				return res.Error
			case res.RowsAffected == 0:
				outcome, detail = OutcomeIgnored, "already applied"
			default:
				if err := s.cols.MarkPaid(ctx, order.CollectionID, order.OutTradeNo, paidAt); err != nil {
					return fmt.Errorf("payment: mark collection paid: %w", err)
				}
				if err := s.reviews.Enqueue(ctx, order.CollectionID, paidAt); err != nil {
					return fmt.Errorf("payment: enqueue review: %w", err)
				}
			}
		}
		if outcome == OutcomeAnomaly {
			if refund {
				if err := s.startAutoRefund(ctx, &order, t, paidAt, detail); err != nil {
					return err
				}
				detail += "; refunded automatically"
			}
			if err := s.tell(ctx, Anomaly{Source: id, OutTradeNo: t.OutTradeNo, CollectionID: order.CollectionID,
				AmountFen: order.AmountFen, Detail: detail, AutoRefund: refund}); err != nil {
				return err
			}
		}
		return q.Model(&Notification{}).Where("id = ?", id).
			Updates(map[string]any{"outcome": outcome, "detail": truncateRunes(detail, 250)}).Error
	})
	if errors.Is(err, errSeen) {
		return OutcomeIgnored, nil
	}
	if err != nil {
		s.log.ErrorContext(ctx, "payment not applied", "out_trade_no", t.OutTradeNo, "source", id, "err", err)
		return "", ErrPayUnavailable.Wrap(err)
	}
	switch outcome {
	case OutcomeApplied:
		s.log.InfoContext(ctx, "payment applied", "out_trade_no", t.OutTradeNo, "collection_id", order.CollectionID, "source", sourceKind(id))
	case OutcomeAnomaly:
		s.alert(ctx, id, t.OutTradeNo, detail)
		if refund {
			// Asked at once; the reconciler asks again if this fails.
			s.submitAutoRefund(ctx, order.OutTradeNo)
		}
	}
	return outcome, nil
}

// decideTransaction loads (and locks) the order of t and says what to do with t, and
// whether the money must go back by itself.
func (s *Service) decideTransaction(q *gorm.DB, t *Transaction, order *Order) (outcome, detail string, refund bool, err error) {
	err = db.ForUpdate(q).Where("out_trade_no = ?", t.OutTradeNo).Take(order).Error
	if db.IsNotFound(err) {
		return OutcomeAnomaly, "unknown out_trade_no", false, nil
	}
	if err != nil {
		return "", "", false, err
	}
	if problem := s.checkTransaction(order, t); problem != "" {
		return OutcomeAnomaly, problem, false, nil
	}
	if t.TradeState != TradeSuccess {
		return OutcomeIgnored, "trade_state " + t.TradeState, false, nil
	}
	switch order.Status {
	case StatusCreated:
		return OutcomeApplied, "", false, nil
	case StatusPaid, StatusRefunding, StatusRefunded:
		if order.TransactionID == t.TransactionID {
			return OutcomeIgnored, "already applied", false, nil
		}
		// WeChat never takes two payments on one out_trade_no: for a human to read.
		return OutcomeAnomaly, "second transaction " + t.TransactionID + " for a paid order", false, nil
	default:
		// Paid after we closed it (and re-ordered): the student's money goes back.
		return OutcomeAnomaly, "paid while the order is " + order.Status, true, nil
	}
}

// startAutoRefund turns an order whose payment cannot be kept into a refunding one, in
// the caller's transaction. It never becomes the collection's paid order.
func (s *Service) startAutoRefund(ctx context.Context, o *Order, t *Transaction, paidAt time.Time, why string) error {
	now := s.clock()
	outRefundNo := "R" + o.OutTradeNo
	reason := "订单已关闭后支付，自动退款"
	if o.Status == StatusCreated {
		reason = "重复支付，自动退款"
	}
	res := db.Conn(ctx, s.g).Model(&Order{}).Where("out_trade_no = ? AND status IN ?", o.OutTradeNo, []string{StatusCreated, StatusClosed}).
		Updates(map[string]any{
			"status": StatusRefunding, "paid_at": paidAt, "transaction_id": t.TransactionID,
			"payer_total_fen": t.Amount.PayerTotal, "open_collection_id": nil,
			"out_refund_no": outRefundNo, "refund_reason": reason, "refund_status": RefundProcessing,
			"refund_requested_at": now, "updated_at": now,
		})
	if res.Error != nil {
		return fmt.Errorf("payment: start automatic refund (%s): %w", why, res.Error)
	}
	if res.RowsAffected != 1 {
		return fmt.Errorf("payment: start automatic refund of %s: order changed", o.OutTradeNo)
	}
	s.log.WarnContext(ctx, "automatic refund started", "out_trade_no", o.OutTradeNo, "why", why)
	return nil
}

// submitAutoRefund asks WeChat for an automatic refund (best effort: a failure is
// left to the reconciler, which queries and re-submits the same out_refund_no).
func (s *Service) submitAutoRefund(ctx context.Context, outTradeNo string) {
	o, err := s.FindOrder(ctx, outTradeNo)
	if err == nil {
		_, err = s.SubmitRefund(ctx, o, false)
	}
	if err != nil {
		s.log.WarnContext(ctx, "automatic refund not submitted, left to the reconciler", "out_trade_no", outTradeNo, "err", err)
	}
}

// checkTransaction compares what WeChat says was paid with what we asked for.
func (s *Service) checkTransaction(o *Order, t *Transaction) string {
	switch {
	case t.AppID != s.cfg.AppID:
		return "appid mismatch"
	case t.MchID != s.cfg.MchID:
		return "mchid mismatch"
	case t.TradeState != TradeSuccess:
		return "" // nothing was paid; nothing to compare
	case t.Amount == nil:
		return "no amount"
	case t.Amount.Total != o.AmountFen:
		return fmt.Sprintf("amount.total %d, order %d", t.Amount.Total, o.AmountFen)
	case t.Amount.PayerTotal == nil || !paidInFull(o.AmountFen, *t.Amount.PayerTotal, t.PromotionDetail):
		return fmt.Sprintf("amount.payer_total %v, order %d, discounts %d", ptrText(t.Amount.PayerTotal), o.AmountFen, discounts(t.PromotionDetail))
	case t.Amount.Currency != "CNY" || t.Amount.PayerCurrency != "" && t.Amount.PayerCurrency != "CNY":
		return "currency " + t.Amount.Currency + "/" + t.Amount.PayerCurrency
	case t.Payer.OpenID != "" && t.Payer.OpenID != o.OpenID:
		return "payer is not the order's user"
	}
	return ""
}

// applyRefund applies a refund result (notification or query) once.
func (s *Service) applyRefund(ctx context.Context, id, event string, r *RefundResult) (string, error) {
	var outcome, detail string
	err := db.Tx(ctx, s.g, func(ctx context.Context) error {
		q := db.Conn(ctx, s.g)
		now := s.clock()
		if err := q.Create(&Notification{ID: id, EventType: event, OutTradeNo: r.OutTradeNo, Outcome: OutcomeIgnored, CreatedAt: now}).Error; err != nil {
			if db.IsDuplicate(err) {
				return errSeen
			}
			return err
		}
		var o Order
		err := db.ForUpdate(q).Where("out_trade_no = ?", r.OutTradeNo).Take(&o).Error
		switch {
		case db.IsNotFound(err):
			outcome, detail = OutcomeAnomaly, "refund of an unknown out_trade_no"
		case err != nil:
			return err
		case r.MchID != "" && r.MchID != s.cfg.MchID:
			outcome, detail = OutcomeAnomaly, "mchid mismatch"
		case o.OutRefundNo == nil || *o.OutRefundNo != r.OutRefundNo:
			outcome, detail = OutcomeAnomaly, "refund we did not ask for"
		case r.Amount != nil && (r.Amount.Refund != o.AmountFen || r.Amount.Total != o.AmountFen):
			outcome, detail = OutcomeAnomaly, fmt.Sprintf("refund amount %d of %d, order %d", r.Amount.Refund, r.Amount.Total, o.AmountFen)
		case o.Status == StatusRefunded:
			outcome, detail = OutcomeIgnored, "already applied"
		case o.Status != StatusRefunding:
			outcome, detail = OutcomeAnomaly, "refund result while the order is "+o.Status
		case r.Status == RefundSuccess:
			res := q.Model(&Order{}).Where("out_trade_no = ? AND status = ?", o.OutTradeNo, StatusRefunding).
				Updates(map[string]any{
					"status": StatusRefunded, "refund_status": RefundSuccess, "refund_id": r.RefundID,
					"refunded_at": parseWeChatTime(r.SuccessTime, now), "paid_collection_id": nil, "updated_at": now,
				})
			if res.Error != nil {
				return res.Error
			}
			outcome = OutcomeApplied
		case r.Status == RefundAbnormal || r.Status == RefundClosed:
			// The money did not go back (closed card, refused): a person must act.
			if err := q.Model(&Order{}).Where("out_trade_no = ?", o.OutTradeNo).
				Updates(map[string]any{"refund_status": r.Status, "refund_id": r.RefundID, "updated_at": now}).Error; err != nil {
				return err
			}
			outcome, detail = OutcomeAnomaly, "refund "+r.Status
		default:
			outcome, detail = OutcomeIgnored, "refund "+r.Status
		}
		if outcome == OutcomeAnomaly {
			if err := s.tell(ctx, Anomaly{Source: id, OutTradeNo: r.OutTradeNo, CollectionID: o.CollectionID,
				AmountFen: o.AmountFen, Detail: detail}); err != nil {
				return err
			}
		}
		return q.Model(&Notification{}).Where("id = ?", id).
			Updates(map[string]any{"outcome": outcome, "detail": truncateRunes(detail, 250)}).Error
	})
	if errors.Is(err, errSeen) {
		return OutcomeIgnored, nil
	}
	if err != nil {
		s.log.ErrorContext(ctx, "refund result not applied", "out_trade_no", r.OutTradeNo, "source", id, "err", err)
		return "", ErrPayUnavailable.Wrap(err)
	}
	switch outcome {
	case OutcomeApplied:
		s.log.InfoContext(ctx, "refund applied", "out_trade_no", r.OutTradeNo, "source", sourceKind(id))
	case OutcomeAnomaly:
		s.alert(ctx, id, r.OutTradeNo, detail)
	}
	return outcome, nil
}

// syncCreated queries an open order and applies what WeChat says (best effort).
func (s *Service) syncCreated(ctx context.Context, o *Order) {
	t, err := s.gw.QueryByOutTradeNo(ctx, o.OutTradeNo)
	if err != nil {
		s.log.WarnContext(ctx, "payment query failed", "out_trade_no", o.OutTradeNo, "err", err)
		return
	}
	if t.TradeState == TradeSuccess {
		if _, err := s.applyTransaction(ctx, queryID(t), "QUERY", t); err != nil {
			s.log.WarnContext(ctx, "payment sync failed", "out_trade_no", o.OutTradeNo, "err", apperr.As(err))
		}
	}
}

// queryID names a reconciler observation so that it is recorded (and alerted) once.
func queryID(t *Transaction) string {
	return truncateRunes("query:"+t.OutTradeNo+":"+t.TransactionID, 64)
}

func sourceKind(id string) string {
	if len(id) > 6 && id[:6] == "query:" {
		return "query"
	}
	return "notification"
}

func parseWeChatTime(s string, fallback time.Time) time.Time {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC().Truncate(time.Millisecond)
	}
	return fallback
}

func ptrText(p *int64) string {
	if p == nil {
		return "missing"
	}
	return fmt.Sprint(*p)
}
