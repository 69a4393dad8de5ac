package payment

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/db"
)

// Refund refunds a paid order in full (support staff). The order turns refunding at
// once and refunded when WeChat reports success (answer, notification or reconciler).
// Refunding a refunding order returns it unchanged.
func (s *Service) Refund(ctx context.Context, outTradeNo, reason string) (*Order, error) {
	o, err := s.FindOrder(ctx, outTradeNo)
	if err != nil {
		return nil, err
	}
	switch o.Status {
	case StatusRefunding:
		return o, nil
	case StatusRefunded:
		return nil, ErrAlreadyRefunded
	case StatusPaid:
	default:
		return nil, ErrNotPaid
	}
	now := s.clock()
	// One full refund per order, so out_refund_no follows from out_trade_no and a
	// repeated request is the same refund for WeChat too.
	outRefundNo := "R" + o.OutTradeNo
	reason = truncateRunes(reason, 80)
	var changed int64
	err = db.Tx(ctx, s.g, func(ctx context.Context) error {
		res := db.Conn(ctx, s.g).Model(&Order{}).Where("out_trade_no = ? AND status = ?", o.OutTradeNo, StatusPaid).
			Updates(map[string]any{
				"status": StatusRefunding, "out_refund_no": outRefundNo, "refund_reason": reason,
				"refund_status": RefundProcessing, "refund_requested_at": now, "updated_at": now,
			})
		if res.Error != nil {
			return apperr.Internal(fmt.Errorf("payment: start refund: %w", res.Error))
		}
		if changed = res.RowsAffected; changed == 0 {
			return nil
		}
		// A refunded student leaves the review queue: nobody reviews a photo that was not paid for.
		return s.cols.Withdraw(ctx, o.CollectionID)
	})
	if err != nil {
		return nil, err
	}
	if changed == 0 {
		return s.Refund(ctx, outTradeNo, reason) // changed under us: answer from the new state
	}
	o.Status, o.OutRefundNo, o.RefundReason, o.RefundStatus, o.RefundRequestedAt = StatusRefunding, &outRefundNo, reason, RefundProcessing, &now
	s.log.InfoContext(ctx, "refund requested", "out_trade_no", o.OutTradeNo)

	r, err := s.gw.Refund(ctx, s.refundRequest(o))
	if err != nil {
		var ge *GatewayError
		if errors.As(err, &ge) && ge.StatusCode < 500 {
			// A definite refusal: nothing is being refunded, the order is paid again.
			if err := db.Conn(ctx, s.g).Model(&Order{}).Where("out_trade_no = ? AND status = ?", o.OutTradeNo, StatusRefunding).
				Updates(map[string]any{"status": StatusPaid, "out_refund_no": nil, "refund_status": "", "refund_requested_at": nil, "updated_at": s.clock()}).Error; err != nil {
				return nil, apperr.Internal(fmt.Errorf("payment: undo refund: %w", err))
			}
			s.log.WarnContext(ctx, "refund refused", "out_trade_no", o.OutTradeNo, "code", ge.Code)
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
	return s.FindOrder(ctx, outTradeNo)
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
