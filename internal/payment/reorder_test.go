package payment

import (
	"context"
	"strings"
	"testing"
	"time"
)

// newOrder places an order for s and fails the test on an error.
func (e *env) newOrder(s Subject) *Order {
	e.t.Helper()
	o, params, err := e.createOrder(context.Background(), s.UserID, s.CollectionID, false)
	if err != nil {
		e.t.Fatal(err)
	}
	if params.Package != "prepay_id="+o.PrepayID || o.PrepayID == "" {
		e.t.Fatalf("pay params %+v for order %+v", params, o)
	}
	return o
}

// wantPaidOnce pays o at the sandbox (as the student's tap) and checks it was applied once.
func (e *env) wantPaidOnce(o *Order) {
	e.t.Helper()
	if status, out := e.hook("/pay/transactions/" + o.OutTradeNo + "/succeed"); status != 200 || out["notify_status"] != float64(200) {
		e.t.Fatalf("succeed %s: %d %v", o.OutTradeNo, status, out)
	}
	if got := e.order(o.OutTradeNo); got.Status != StatusPaid || got.PaidCollectionID == nil {
		e.t.Fatalf("after paying: %+v", got)
	}
	if n := e.reviews.count(); n != 1 {
		e.t.Fatalf("review enqueued %d times", n)
	}
}

func TestReorderWhenWeChatClosedTheOrder(t *testing.T) {
	for _, dialect := range dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect, envOptions{})
			s := e.student("closed")
			first := e.newOrder(s)
			// WeChat closes the unpaid order on its side; our order still looks open.
			if status, out := e.hook("/pay/transactions/" + first.OutTradeNo + "/fail"); status != 200 {
				t.Fatalf("fail: %v", out)
			}
			second := e.newOrder(s) // one tap: ORDER_CLOSED answered, re-ordered at once
			if second.OutTradeNo == first.OutTradeNo {
				t.Fatal("the closed out_trade_no was offered again")
			}
			if got := e.order(first.OutTradeNo); got.Status != StatusClosed || got.OpenCollectionID != nil || got.ClosedAt == nil {
				t.Fatalf("the order WeChat closed is not closed here: %+v", got)
			}
			if again := e.newOrder(s); again.OutTradeNo != second.OutTradeNo {
				t.Fatalf("the new open order is not reused: %s then %s", second.OutTradeNo, again.OutTradeNo)
			}
			e.wantPaidOnce(second)
		})
	}
}

func TestReorderAfterExpiryAndPriceChange(t *testing.T) {
	for _, dialect := range dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect, envOptions{})
			ctx := context.Background()
			s := e.student("expiry")
			first := e.newOrder(s)
			e.clock.Advance(2*time.Hour - 4*time.Minute) // within 5 minutes of time_expire: not offered again
			second := e.newOrder(s)
			if second.OutTradeNo == first.OutTradeNo || second.AmountFen != s.AmountFen {
				t.Fatalf("an order about to expire was reused: %+v", second)
			}
			if got := e.order(first.OutTradeNo); got.Status != StatusClosed {
				t.Fatalf("expired order: %+v", got)
			}
			if tx, err := e.gw.QueryByOutTradeNo(ctx, first.OutTradeNo); err != nil || tx.TradeState != TradeClosed {
				t.Fatalf("the expired order is still open at WeChat: %+v %v", tx, err)
			}

			s.AmountFen = 3000 // the school changed its price
			e.cols.add(s)
			third := e.newOrder(s)
			if third.OutTradeNo == second.OutTradeNo || third.AmountFen != 3000 {
				t.Fatalf("re-priced order: %+v", third)
			}
			if got := e.order(second.OutTradeNo); got.Status != StatusClosed {
				t.Fatalf("the order at the old price is still open: %+v", got)
			}
			e.clock.Advance(-(2*time.Hour - 4*time.Minute)) // back to the sandbox's time, which signs the notification
			e.wantPaidOnce(third)
		})
	}
}

func TestOrderPaidAtWeChatIsSyncedNotPaidAgain(t *testing.T) {
	for _, dialect := range dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect, envOptions{})
			ctx := context.Background()
			// Prepay answered ORDERPAID: the payment is applied from a query.
			o, _ := e.paidAtWeChat("sync")
			s := e.cols.get("c_sync")
			_, _, err := e.createOrder(ctx, s.UserID, s.CollectionID, false)
			wantKind(t, err, "already_paid")
			if got := e.order(o.OutTradeNo); got.Status != StatusPaid || got.TransactionID == "" {
				t.Fatalf("ORDERPAID not synced: %+v", got)
			}
			// Closing (the price changed) answered ORDERPAID: the same.
			o2, _ := e.paidAtWeChat("sync2")
			s2 := e.cols.get("c_sync2")
			s2.AmountFen++
			e.cols.add(s2)
			_, _, err = e.createOrder(ctx, s2.UserID, s2.CollectionID, false)
			wantKind(t, err, "already_paid")
			if got := e.order(o2.OutTradeNo); got.Status != StatusPaid {
				t.Fatalf("ORDERPAID on close not synced: %+v", got)
			}
			if n := e.reviews.count(); n != 2 {
				t.Fatalf("reviews enqueued %d times, want 2", n)
			}
			if a, _ := e.alerts.list(); len(a) != 0 {
				t.Fatalf("a normal late payment raised anomalies: %+v", a)
			}
		})
	}
}

// wantAutoRefunded checks that o's payment became an anomaly that refunded itself once.
func (e *env) wantAutoRefunded(o *Order, detail string) {
	e.t.Helper()
	e.pay.Wait() // the sandbox's REFUND.SUCCESS notification
	got := e.order(o.OutTradeNo)
	if got.Status != StatusRefunded || got.TransactionID == "" || got.OutRefundNo == nil || got.PaidCollectionID != nil {
		e.t.Fatalf("the late payment was kept: %+v", got)
	}
	ns := e.notifications(o.OutTradeNo)
	if len(ns) == 0 || ns[0].Outcome != OutcomeAnomaly || !strings.Contains(ns[0].Detail, detail) || !strings.Contains(ns[0].Detail, "refunded automatically") {
		e.t.Fatalf("notifications: %+v", ns)
	}
	as, inTx := e.alerts.list()
	if len(as) != 1 || !as[0].AutoRefund || as[0].OutTradeNo != o.OutTradeNo || !inTx[0] || as[0].AmountFen != o.AmountFen {
		e.t.Fatalf("alerts: %+v %v", as, inTx)
	}
	tx, err := e.gw.QueryByOutTradeNo(context.Background(), o.OutTradeNo)
	if err != nil || tx.TradeState != TradeRefund {
		e.t.Fatalf("WeChat did not refund it: %+v %v", tx, err)
	}
	// WeChat repeats the notification: no second alert, nothing changes.
	if status, out := e.hook("/pay/transactions/" + o.OutTradeNo + "/notify"); status != 200 || out["notify_status"] != float64(200) {
		e.t.Fatalf("resend: %v", out)
	}
	if as, _ := e.alerts.list(); len(as) != 1 {
		e.t.Fatalf("a redelivery alerted again: %+v", as)
	}
}

func TestPaidAfterCloseRefundsItself(t *testing.T) {
	for _, dialect := range dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect, envOptions{})
			s := e.student("late")
			old := e.newOrder(s)
			// Closed here (the reconciler found no prepay at WeChat), still payable there.
			if closed, err := e.svc.markClosed(context.Background(), old.OutTradeNo); err != nil || !closed {
				t.Fatal(closed, err)
			}
			if status, out := e.hook("/pay/transactions/" + old.OutTradeNo + "/succeed"); status != 200 || out["notify_status"] != float64(200) {
				t.Fatalf("succeed: %v", out)
			}
			e.wantAutoRefunded(old, "paid while the order is closed")
			if len(e.cols.marks()) != 0 || e.reviews.count() != 0 {
				t.Fatal("a payment of a closed order moved the collection")
			}
		})
	}
}

func TestSecondPaidOrderRefundsItself(t *testing.T) {
	for _, dialect := range dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect, envOptions{})
			ctx := context.Background()
			s := e.student("twice")
			first := e.newOrder(s)
			e.wantPaidOnce(first)
			// A second open order of the same collection (as one left by an older release).
			second, err := e.svc.insertOrder(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := e.svc.prepay(ctx, second); err != nil {
				t.Fatal(err)
			}
			if status, out := e.hook("/pay/transactions/" + second.OutTradeNo + "/succeed"); status != 200 {
				t.Fatalf("succeed: %v", out)
			}
			e.wantAutoRefunded(second, "second paid order for the collection")
			if got := e.order(first.OutTradeNo); got.Status != StatusPaid || got.PaidCollectionID == nil {
				t.Fatalf("the first payment changed: %+v", got)
			}
			if e.reviews.count() != 1 {
				t.Fatal("the second payment was enqueued")
			}
		})
	}
}

func TestSecondTransactionOfAPaidOrderIsAnAnomaly(t *testing.T) {
	for _, dialect := range dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect, envOptions{})
			o, tx := e.paidAtWeChat("secondtx")
			if _, err := e.svc.applyTransaction(context.Background(), "n-first", EventTransactionSuccess, tx); err != nil {
				t.Fatal(err)
			}
			other := *tx
			other.TransactionID = "4200000000000000000000000001"
			outcome, err := e.svc.applyTransaction(context.Background(), "n-second", EventTransactionSuccess, &other)
			if err != nil || outcome != OutcomeAnomaly {
				t.Fatalf("second transaction: %s %v", outcome, err)
			}
			if got := e.order(o.OutTradeNo); got.TransactionID != tx.TransactionID || got.Status != StatusPaid {
				t.Fatalf("the order changed: %+v", got)
			}
			as, _ := e.alerts.list()
			if len(as) != 1 || as[0].AutoRefund || !strings.Contains(as[0].Detail, "second transaction") {
				t.Fatalf("alerts: %+v", as)
			}
			// The same transaction again is no anomaly.
			if outcome, err := e.svc.applyTransaction(context.Background(), "n-third", EventTransactionSuccess, tx); err != nil || outcome != OutcomeIgnored {
				t.Fatalf("same transaction again: %s %v", outcome, err)
			}
		})
	}
}
