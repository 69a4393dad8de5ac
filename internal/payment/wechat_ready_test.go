package payment

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestPromotionDetail: a payment with a WeChat-funded discount (payer_total below total)
// is applied when promotion_detail explains the difference (the real SDK reads the
// sandbox's query answer), and stays an anomaly when it does not.
func TestPromotionDetail(t *testing.T) {
	for _, dialect := range dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect, envOptions{})
			ctx := context.Background()
			s := e.student("coupon")
			o, _, err := e.createOrder(ctx, s.UserID, s.CollectionID, false)
			if err != nil {
				t.Fatal(err)
			}
			if status, out := e.hook("/pay/transactions/" + o.OutTradeNo + "/succeed?notify=0&coupon_fen=300"); status != 200 {
				t.Fatalf("succeed: %v", out)
			}
			tx, err := e.gw.QueryByOutTradeNo(ctx, o.OutTradeNo)
			if err != nil {
				t.Fatal(err)
			}
			if *tx.Amount.PayerTotal != o.AmountFen-300 || len(tx.PromotionDetail) != 1 || tx.PromotionDetail[0].WechatpayContribute != 300 {
				t.Fatalf("transaction as the SDK read it: amount %+v, promotions %+v", tx.Amount, tx.PromotionDetail)
			}

			// A shortfall the discounts do not explain: recorded and alerted, not applied.
			short := *tx
			amount := *tx.Amount
			less := o.AmountFen - 400
			amount.PayerTotal = &less
			short.Amount = &amount
			if err := e.svc.HandleNotify(ctx, e.genuine("", &short)); err != nil {
				t.Fatal(err)
			}
			if got := e.order(o.OutTradeNo); got.Status != StatusCreated {
				t.Fatalf("unexplained shortfall applied: %+v", got)
			}
			if !strings.Contains(e.logs.String(), "discounts 300") {
				t.Fatal("the anomaly does not say what the discounts were")
			}

			if err := e.svc.HandleNotify(ctx, e.genuine("", tx)); err != nil {
				t.Fatal(err)
			}
			got := e.order(o.OutTradeNo)
			if got.Status != StatusPaid || got.PayerTotalFen == nil || *got.PayerTotalFen != o.AmountFen-300 {
				t.Fatalf("discounted payment not applied: %+v", got)
			}
		})
	}
}

func TestPaidInFull(t *testing.T) {
	promo := func(amounts ...int64) []TransactionPromotion {
		var out []TransactionPromotion
		for _, a := range amounts {
			out = append(out, TransactionPromotion{Amount: a})
		}
		return out
	}
	tests := []struct {
		order, payer int64
		promos       []TransactionPromotion
		want         bool
	}{
		{2500, 2500, nil, true},
		{2500, 2200, promo(300), true},
		{2500, 2200, promo(100, 200), true},
		{2500, 2200, promo(200), false},
		{2500, 2200, nil, false},
		{2500, 2600, promo(), false},
		{2500, 0, promo(2500), false}, // nothing paid at all is not a payment of ours
	}
	for _, tc := range tests {
		if got := paidInFull(tc.order, tc.payer, tc.promos); got != tc.want {
			t.Errorf("paidInFull(%d, %d, %v) = %v, want %v", tc.order, tc.payer, tc.promos, got, tc.want)
		}
	}
}

// TestSyncOpenOrder: reading a collection whose order was handed to wx.requestPayment
// asks WeChat Pay (the real SDK against the sandbox) and applies the payment before the
// notification comes; at most one query per order per interval.
func TestSyncOpenOrder(t *testing.T) {
	for _, dialect := range dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect, envOptions{})
			ctx := context.Background()
			s := e.student("onread")
			o, _, err := e.createOrder(ctx, s.UserID, s.CollectionID, false)
			if err != nil {
				t.Fatal(err)
			}
			e.svc.SyncOpenOrder(ctx, s.CollectionID) // not paid yet: nothing happens
			if got := e.order(o.OutTradeNo); got.Status != StatusCreated {
				t.Fatalf("unpaid order after a read: %+v", got)
			}
			if status, out := e.hook("/pay/transactions/" + o.OutTradeNo + "/succeed?notify=0"); status != 200 {
				t.Fatalf("succeed: %v", out)
			}
			e.svc.SyncOpenOrder(ctx, s.CollectionID) // within the interval: no second query
			if got := e.order(o.OutTradeNo); got.Status != StatusCreated {
				t.Fatalf("queried again within the interval: %+v", got)
			}
			e.clock.Advance(3 * time.Second)
			e.svc.SyncOpenOrder(ctx, s.CollectionID)
			if got := e.order(o.OutTradeNo); got.Status != StatusPaid || got.TransactionID == "" {
				t.Fatalf("paid order after a read past the interval: %+v", got)
			}
			if e.reviews.count() != 1 {
				t.Fatalf("review queue has %d entries, want 1", e.reviews.count())
			}
			e.svc.SyncOpenOrder(ctx, "c_nobody") // no order: nothing to do, no panic
		})
	}
}

// fakeShipper records uploads; failUntil makes the first uploads fail.
type fakeShipper struct {
	mu        sync.Mutex
	managed   bool
	failUntil int
	calls     int
	uploads   []ShippingInfo
}

func (f *fakeShipper) TradeManaged(context.Context) (bool, error) { return f.managed, nil }

func (f *fakeShipper) Upload(_ context.Context, info ShippingInfo) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.calls <= f.failUntil {
		return errors.New("system error")
	}
	f.uploads = append(f.uploads, info)
	return nil
}

// TestShipPaid: a trade-managed merchant's paid orders get their shipping info uploaded
// once each, failures are retried after a backoff, a refunded order is skipped; a merchant
// that is not trade-managed uploads nothing.
func TestShipPaid(t *testing.T) {
	for _, dialect := range dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect, envOptions{})
			ctx := context.Background()
			paid, _ := e.paidAtWeChat("ship1")
			if err := e.svc.HandleNotify(ctx, e.genuine("", e.queryTx(paid.OutTradeNo))); err != nil {
				t.Fatal(err)
			}

			off := &fakeShipper{managed: false}
			e.svc.SetShipper(off)
			if n, err := e.svc.ShipPaid(ctx); err != nil || n != 0 || off.calls != 0 {
				t.Fatalf("not trade-managed: n=%d err=%v calls=%d", n, err, off.calls)
			}

			sh := &fakeShipper{managed: true, failUntil: 1}
			e.svc.SetShipper(sh)
			if n, err := e.svc.ShipPaid(ctx); err != nil || n != 0 {
				t.Fatalf("first run (upload fails): n=%d err=%v", n, err)
			}
			row, _ := e.svc.ShipmentOf(ctx, paid.OutTradeNo)
			if row == nil || row.Status != ShippingPending || row.Attempts != 1 || row.LastError == "" {
				t.Fatalf("after a failure: %+v", row)
			}
			if n, _ := e.svc.ShipPaid(ctx); n != 0 || sh.calls != 1 {
				t.Fatalf("retried before the backoff: calls=%d", sh.calls)
			}
			e.clock.Advance(3 * time.Minute)
			if n, err := e.svc.ShipPaid(ctx); err != nil || n != 1 {
				t.Fatalf("after the backoff: n=%d err=%v", n, err)
			}
			if len(sh.uploads) != 1 || sh.uploads[0].OutTradeNo != paid.OutTradeNo || sh.uploads[0].OpenID != paid.OpenID ||
				sh.uploads[0].ItemDesc != ShippingItemDesc {
				t.Fatalf("uploads = %+v", sh.uploads)
			}
			if n, _ := e.svc.ShipPaid(ctx); n != 0 || len(sh.uploads) != 1 {
				t.Fatal("uploaded twice")
			}
			if row, _ := e.svc.ShipmentOf(ctx, paid.OutTradeNo); row.Status != ShippingUploaded || row.UploadedAt == nil {
				t.Fatalf("after the upload: %+v", row)
			}
		})
	}
}

// queryTx returns WeChat's view of an order (the sandbox, through the real SDK).
func (e *env) queryTx(otn string) *Transaction {
	e.t.Helper()
	tx, err := e.gw.QueryByOutTradeNo(context.Background(), otn)
	if err != nil {
		e.t.Fatal(err)
	}
	return tx
}
