package payment

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/db"
)

// ReconcileResult counts what one reconciliation run did.
type ReconcileResult struct {
	Checked  int // orders claimed and queried
	Paid     int // payments applied from a query (notification lost or late)
	Closed   int // unpaid orders closed (expired, or closed at WeChat)
	Refunded int // refunds completed from a query
	Failed   int // orders whose query or update failed (retried next run)
}

// Reconcile settles orders whose notification has not come: open orders older than
// ReconcileAfter and refunds still processing. Each order is claimed with a row lease
// (SELECT ... FOR UPDATE SKIP LOCKED on MySQL), so several instances can run it at once
// without querying the same order twice.
func (s *Service) Reconcile(ctx context.Context) (ReconcileResult, error) {
	var res ReconcileResult
	orders, err := s.claim(ctx)
	if err != nil {
		return res, err
	}
	for i := range orders {
		if ctx.Err() != nil {
			break
		}
		o := &orders[i]
		res.Checked++
		var err error
		switch o.Status {
		case StatusCreated:
			err = s.reconcileOpen(ctx, o, &res)
		case StatusRefunding:
			err = s.reconcileRefund(ctx, o, &res)
		}
		if err != nil {
			res.Failed++
			s.log.WarnContext(ctx, "reconcile order failed", "out_trade_no", o.OutTradeNo, "err", err)
		}
		s.release(ctx, o.OutTradeNo)
	}
	return res, nil
}

// RunReconciler runs Reconcile every interval until ctx ends (serve's background job).
func (s *Service) RunReconciler(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		res, err := s.Reconcile(ctx)
		if err != nil {
			s.log.ErrorContext(ctx, "reconcile failed", "err", err)
			continue
		}
		if res.Checked > 0 {
			s.log.InfoContext(ctx, "reconciled", "checked", res.Checked, "paid", res.Paid, "closed", res.Closed,
				"refunded", res.Refunded, "failed", res.Failed)
		}
	}
}

// claim leases up to ReconcileBatch due orders to this instance.
func (s *Service) claim(ctx context.Context) ([]Order, error) {
	now := s.clock()
	due := now.Add(-s.cfg.ReconcileAfter)
	until := now.Add(s.cfg.ReconcileLease)
	var claimed []Order
	err := db.Tx(ctx, s.g, func(ctx context.Context) error {
		q := db.Conn(ctx, s.g)
		var ids []string
		err := db.SkipLocked(q.Model(&Order{}).
			Where("(status = ? AND created_at <= ?) OR (status = ? AND refund_requested_at <= ? AND refund_status IN ?)",
				StatusCreated, due, StatusRefunding, due, []string{"", RefundProcessing}).
			Where("lease_until IS NULL OR lease_until < ?", now).
			Order("created_at").Limit(s.cfg.ReconcileBatch)).
			Pluck("out_trade_no", &ids).Error
		if err != nil || len(ids) == 0 {
			return err
		}
		// The lease guard is repeated here for SQLite, which has no SKIP LOCKED (its
		// IMMEDIATE transaction already serialises claimers).
		if err := q.Model(&Order{}).Where("out_trade_no IN ? AND (lease_until IS NULL OR lease_until < ?)", ids, now).
			Updates(map[string]any{"lease_owner": s.instance, "lease_until": until}).Error; err != nil {
			return err
		}
		return q.Where("out_trade_no IN ? AND lease_owner = ?", ids, s.instance).
			Order("created_at").Find(&claimed).Error
	})
	if err != nil {
		return nil, apperr.Internal(fmt.Errorf("payment: claim orders: %w", err))
	}
	return claimed, nil
}

func (s *Service) release(ctx context.Context, outTradeNo string) {
	err := db.Conn(ctx, s.g).Model(&Order{}).Where("out_trade_no = ? AND lease_owner = ?", outTradeNo, s.instance).
		Updates(map[string]any{"lease_owner": "", "lease_until": nil}).Error
	if err != nil {
		// The lease runs out by itself; another run will take the order.
		s.log.WarnContext(ctx, "reconcile release failed", "out_trade_no", outTradeNo, "err", err)
	}
}

func (s *Service) reconcileOpen(ctx context.Context, o *Order, res *ReconcileResult) error {
	now := s.clock()
	expired := !now.Before(o.ExpiresAt)
	t, err := s.gw.QueryByOutTradeNo(ctx, o.OutTradeNo)
	if errors.Is(err, ErrGatewayNotFound) {
		// WeChat never got the order (the prepay failed): nothing can be paid on it.
		if expired || o.PrepayID == "" {
			return s.countClosed(ctx, o.OutTradeNo, res)
		}
		return nil
	}
	if err != nil {
		return err
	}
	switch t.TradeState {
	case TradeSuccess:
		outcome, err := s.applyTransaction(ctx, queryID(t), "QUERY", t)
		if err != nil {
			return err
		}
		if outcome == OutcomeApplied {
			res.Paid++
		}
	case TradeClosed, TradeRevoked, TradePayError:
		return s.countClosed(ctx, o.OutTradeNo, res)
	case TradeNotPay, TradeUserPaying:
		if !expired {
			return nil
		}
		if err := s.gw.CloseOrder(ctx, o.OutTradeNo); err != nil {
			if isOrderPaid(err) {
				return nil // paid at the last moment: the next query applies it
			}
			return err
		}
		return s.countClosed(ctx, o.OutTradeNo, res)
	case TradeRefund:
		// Paid and refunded outside gradphoto (merchant platform) before we saw the payment.
		if err := s.recordOnly(ctx, queryID(t), "QUERY", o.OutTradeNo, OutcomeAnomaly, "refunded at WeChat before the payment was applied"); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) countClosed(ctx context.Context, outTradeNo string, res *ReconcileResult) error {
	closed, err := s.markClosed(ctx, outTradeNo)
	if err != nil {
		return err
	}
	if closed {
		res.Closed++
	}
	return nil
}

func (s *Service) reconcileRefund(ctx context.Context, o *Order, res *ReconcileResult) error {
	if o.OutRefundNo == nil {
		return errors.New("refunding order without out_refund_no")
	}
	r, err := s.gw.QueryRefund(ctx, *o.OutRefundNo)
	if errors.Is(err, ErrGatewayNotFound) {
		// The refund request never reached WeChat: ask again with the same
		// out_refund_no, which WeChat treats as the same refund.
		r, err = s.gw.Refund(ctx, s.refundRequest(o))
	}
	if err != nil {
		return err
	}
	if r.OutTradeNo == "" {
		r.OutTradeNo = o.OutTradeNo
	}
	switch r.Status {
	case RefundSuccess, RefundAbnormal, RefundClosed:
		outcome, err := s.applyRefund(ctx, truncateRunes("query:"+r.OutRefundNo+":"+r.Status, 64), "QUERY", r)
		if err != nil {
			return err
		}
		if outcome == OutcomeApplied {
			res.Refunded++
		}
	}
	return nil
}
