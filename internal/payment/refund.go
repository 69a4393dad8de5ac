package payment

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/db"
)

// Refund refunds a paid order in full: StartRefund, then SubmitRefund. Staff refunds go
// through internal/usecase, which runs StartRefund in one transaction with the refund rule.
func (s *Service) Refund(ctx context.Context, outTradeNo, reason string) (*Order, error) {
	o, started, err := s.StartRefund(ctx, outTradeNo, reason)
	if err != nil || !started {
		return o, err
	}
	return s.SubmitRefund(ctx, o, true)
}

// StartRefund decides a full refund, in the transaction ctx carries (or its own): the
// locked order turns paid → refunding and its collection leaves review (nobody reviews
// a photo that is not paid for). started is false when the order was already refunding:
// it is returned unchanged, and nothing is asked of WeChat again.
func (s *Service) StartRefund(ctx context.Context, outTradeNo, reason string) (o *Order, started bool, err error) {
	err = db.Tx(ctx, s.g, func(ctx context.Context) error {
		var cur Order
		err := db.ForUpdate(db.Conn(ctx, s.g)).Where("out_trade_no = ?", outTradeNo).Take(&cur).Error
		if db.IsNotFound(err) {
			return ErrOrderNotFound
		}
		if err != nil {
			return apperr.Internal(fmt.Errorf("payment: find order: %w", err))
		}
		o = &cur
		switch cur.Status {
		case StatusRefunding:
			return nil
		case StatusRefunded:
			return ErrAlreadyRefunded
		case StatusPaid:
		default:
			return ErrNotPaid
		}
		now := s.clock()
		// One full refund per order, so out_refund_no follows from out_trade_no and a
		// repeated request is the same refund for WeChat too.
		outRefundNo := "R" + cur.OutTradeNo
		reason = truncateRunes(reason, 80)
		res := db.Conn(ctx, s.g).Model(&Order{}).Where("out_trade_no = ? AND status = ?", cur.OutTradeNo, StatusPaid).
			Updates(map[string]any{
				"status": StatusRefunding, "out_refund_no": outRefundNo, "refund_reason": reason,
				"refund_status": RefundProcessing, "refund_requested_at": now, "updated_at": now,
			})
		if res.Error != nil {
			return apperr.Internal(fmt.Errorf("payment: start refund: %w", res.Error))
		}
		if res.RowsAffected != 1 {
			return apperr.Internal(fmt.Errorf("payment: start refund of %s: order changed under its lock", cur.OutTradeNo))
		}
		cur.Status, cur.OutRefundNo, cur.RefundReason, cur.RefundStatus, cur.RefundRequestedAt = StatusRefunding, &outRefundNo, reason, RefundProcessing, &now
		started = true
		return s.cols.Withdraw(ctx, cur.CollectionID)
	})
	if err != nil {
		return nil, false, err
	}
	if started {
		s.log.InfoContext(ctx, "refund requested", "out_trade_no", o.OutTradeNo)
	}
	return o, started, nil
}

// SubmitRefund asks WeChat Pay for the refund StartRefund decided. A definite refusal
// (4xx) undoes the decision when revertOnRefusal (the order is paid again and its
// collection back in review) and answers ErrRefundRefused; an unknown outcome leaves
// the order refunding for the reconciler.
func (s *Service) SubmitRefund(ctx context.Context, o *Order, revertOnRefusal bool) (*Order, error) {
	if o.OutRefundNo == nil {
		return nil, apperr.Internal(fmt.Errorf("payment: refund of %s was not started", o.OutTradeNo))
	}
	outRefundNo := *o.OutRefundNo
	r, err := s.gw.Refund(ctx, s.refundRequest(o))
	if err != nil {
		var ge *GatewayError
		if errors.As(err, &ge) && ge.StatusCode < 500 {
			s.log.WarnContext(ctx, "refund refused", "out_trade_no", o.OutTradeNo, "code", ge.Code)
			if revertOnRefusal {
				if err := s.undoRefund(ctx, o); err != nil {
					return nil, err
				}
			}
			return nil, ErrRefundRefused.Wrap(err).WithDetails(map[string]any{"wechat_code": ge.Code})
		}
		// Unknown outcome (network): the order stays refunding and the reconciler asks
		// WeChat, submitting the same out_refund_no again if WeChat has no such refund.
		s.log.WarnContext(ctx, "refund outcome unknown, left to the reconciler", "out_trade_no", o.OutTradeNo, "err", err)
		return o, nil
	}
	if r.OutTradeNo == "" {
		r.OutTradeNo = o.OutTradeNo
	}
	if r.Status == RefundSuccess || r.Status == RefundAbnormal || r.Status == RefundClosed {
		if _, err := s.applyRefund(ctx, truncateRunes("refund:"+outRefundNo+":"+r.Status, 64), "REFUND", r); err != nil {
			return nil, err
		}
	} else if r.RefundID != "" {
		if err := db.Conn(ctx, s.g).Model(&Order{}).Where("out_trade_no = ?", o.OutTradeNo).
			Updates(map[string]any{"refund_id": r.RefundID, "updated_at": s.clock()}).Error; err != nil {
			return nil, apperr.Internal(fmt.Errorf("payment: save refund id: %w", err))
		}
	}
	return s.FindOrder(ctx, o.OutTradeNo)
}

// undoRefund: WeChat refused, nothing is being refunded. The order is paid again and
// its collection, withdrawn by StartRefund, goes back into review.
func (s *Service) undoRefund(ctx context.Context, o *Order) error {
	err := db.Tx(ctx, s.g, func(ctx context.Context) error {
		res := db.Conn(ctx, s.g).Model(&Order{}).Where("out_trade_no = ? AND status = ?", o.OutTradeNo, StatusRefunding).
			Updates(map[string]any{"status": StatusPaid, "out_refund_no": nil, "refund_status": "", "refund_requested_at": nil, "updated_at": s.clock()})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error // 0 rows: a notification settled it meanwhile
		}
		paidAt := s.clock()
		if o.PaidAt != nil {
			paidAt = *o.PaidAt
		}
		if err := s.cols.MarkPaid(ctx, o.CollectionID, o.OutTradeNo, paidAt); err != nil {
			if apperr.As(err).Code == apperr.ErrWrongStep.Code {
				return nil // approved by an admin's override, or moved on: leave it
			}
			return err
		}
		return s.reviews.Enqueue(ctx, o.CollectionID, paidAt)
	})
	if err != nil {
		return apperr.Internal(fmt.Errorf("payment: undo refund: %w", err))
	}
	return nil
}

func (s *Service) refundRequest(o *Order) RefundRequest {
	return RefundRequest{
		OutTradeNo: o.OutTradeNo, OutRefundNo: *o.OutRefundNo, Reason: o.RefundReason,
		RefundFen: o.AmountFen, TotalFen: o.AmountFen,
	}
}

// StuckRefundAfter is how long a refund may stay in progress before support calls the
// student: WeChat Pay refunds to a card normally arrive within hours, not a day.
const StuckRefundAfter = 24 * time.Hour

// StuckRefunds lists refunds a person must look at: WeChat reported them abnormal or
// closed (the money did not go back), or they have been in progress for longer than
// StuckRefundAfter. At most limit, oldest first.
func (s *Service) StuckRefunds(ctx context.Context, limit int) ([]Order, error) {
	var out []Order
	cutoff := s.clock().Add(-StuckRefundAfter)
	if err := db.Conn(ctx, s.g).Where("status = ? AND (refund_status IN ? OR refund_requested_at < ?)",
		StatusRefunding, []string{RefundAbnormal, RefundClosed}, cutoff).
		Order("refund_requested_at").Limit(limit).Find(&out).Error; err != nil {
		return nil, apperr.Internal(fmt.Errorf("payment: stuck refunds: %w", err))
	}
	return out, nil
}
