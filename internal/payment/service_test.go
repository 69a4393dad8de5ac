package payment

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"
)

// verifyPayParams checks paySign as the WeChat client does: SHA256withRSA over
// "appid\ntimeStamp\nnonceStr\npackage\n" with the merchant's public key.
func verifyPayParams(t *testing.T, e *env, p PayParams) {
	t.Helper()
	if p.SignType != "RSA" || !strings.HasPrefix(p.Package, "prepay_id=wx") || p.NonceStr == "" || p.TimeStamp == "" {
		t.Fatalf("pay params = %+v", p)
	}
	sig, err := base64.StdEncoding.DecodeString(p.PaySign)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(testAppID + "\n" + p.TimeStamp + "\n" + p.NonceStr + "\n" + p.Package + "\n"))
	if err := rsa.VerifyPKCS1v15(&e.keys.MchPrivateKey.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
		t.Fatalf("paySign does not verify with the merchant key: %v", err)
	}
}

func TestPayNotifyAppliesOnce(t *testing.T) {
	for _, dialect := range dialects(t) {
		for _, mode := range []struct {
			name string
			opts envOptions
		}{{"platform certificate", envOptions{}}, {"public key", envOptions{publicKeyMode: true}}} {
			t.Run(dialect+"/"+mode.name, func(t *testing.T) {
				e := newEnv(t, dialect, mode.opts)
				ctx := context.Background()
				s := e.student("zhang")

				o, params, err := e.createOrder(ctx, s.UserID, s.CollectionID, false)
				if err != nil {
					t.Fatal(err)
				}
				verifyPayParams(t, e, params)
				if len(o.OutTradeNo) > 32 || o.Status != StatusCreated || o.AmountFen != 2500 || o.Description != "学历照片采集-中国石油大学（华东）" {
					t.Fatalf("order = %+v", o)
				}
				// A second tap re-places the same order: same out_trade_no, same prepay_id.
				again, params2, err := e.createOrder(ctx, s.UserID, s.CollectionID, false)
				if err != nil {
					t.Fatal(err)
				}
				if again.OutTradeNo != o.OutTradeNo || params2.Package != params.Package {
					t.Fatalf("re-prepay gave %s %s, want %s %s", again.OutTradeNo, params2.Package, o.OutTradeNo, params.Package)
				}

				status, out := e.hook("/pay/transactions/" + o.OutTradeNo + "/succeed")
				if status != 200 || out["notify_status"] != float64(200) {
					t.Fatalf("succeed: %d %v", status, out)
				}
				paid := e.order(o.OutTradeNo)
				if paid.Status != StatusPaid || paid.TransactionID == "" || paid.PaidAt == nil ||
					paid.PaidCollectionID == nil || *paid.PaidCollectionID != s.CollectionID || paid.OpenCollectionID != nil {
					t.Fatalf("after notification: %+v", paid)
				}
				marks := e.cols.marks()
				if len(marks) != 1 || marks[0].OutTradeNo != o.OutTradeNo || !marks[0].InTx || e.reviews.count() != 1 || !e.reviews.calls[0].InTx {
					t.Fatalf("MarkPaid %+v, Enqueue %+v: want one each inside the transaction", marks, e.reviews.calls)
				}

				// WeChat delivers the same notification again: 200 each time, nothing changes.
				for i := 0; i < 3; i++ {
					status, out := e.hook("/pay/transactions/" + o.OutTradeNo + "/notify")
					if status != 200 || out["notify_status"] != float64(200) {
						t.Fatalf("redelivery %d: %d %v", i, status, out)
					}
				}
				if got := e.order(o.OutTradeNo); !got.UpdatedAt.Equal(paid.UpdatedAt) || got.Status != StatusPaid {
					t.Fatalf("redelivery changed the order: %+v", got)
				}
				if len(e.cols.marks()) != 1 || e.reviews.count() != 1 {
					t.Fatalf("redelivery applied again: %d marks, %d enqueues", len(e.cols.marks()), e.reviews.count())
				}
				if ns := e.notifications(o.OutTradeNo); len(ns) != 1 || ns[0].Outcome != OutcomeApplied {
					t.Fatalf("notifications = %+v", ns)
				}

				_, _, err = e.createOrder(ctx, s.UserID, s.CollectionID, true)
				wantKind(t, err, "already_paid")
				latest, err := e.svc.OrderForCollection(ctx, s.CollectionID)
				if err != nil || latest == nil || latest.OutTradeNo != o.OutTradeNo {
					t.Fatalf("OrderForCollection = %+v, %v", latest, err)
				}
			})
		}
	}
}

func TestCreateOrderRules(t *testing.T) {
	e := newEnv(t, "sqlite", envOptions{})
	ctx := context.Background()
	s := e.student("li")
	chsi := e.student("wang")
	chsi.AlreadyHasCHSIPhoto = true
	e.cols.add(chsi)
	early := e.student("zhao")
	early.Status = "code_ok"
	e.cols.add(early)

	tests := []struct {
		name         string
		userID, coll string
		ack          bool
		wantCode     string
	}{
		{name: "someone else's collection", userID: "u_other", coll: s.CollectionID, wantCode: "not_found"},
		{name: "no such collection", userID: s.UserID, coll: "c_nope", wantCode: "not_found"},
		{name: "photo not yet accepted", userID: early.UserID, coll: early.CollectionID, wantCode: "wrong_step"},
		{name: "already has a CHSI photo, not acknowledged", userID: chsi.UserID, coll: chsi.CollectionID, wantCode: "already_has_chsi_photo"},
		{name: "already has a CHSI photo, acknowledged", userID: chsi.UserID, coll: chsi.CollectionID, ack: true},
		{name: "payable", userID: s.UserID, coll: s.CollectionID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, _, err := e.createOrder(ctx, tt.userID, tt.coll, tt.ack)
			if tt.wantCode != "" {
				wantKind(t, err, tt.wantCode)
				if latest, _ := e.svc.OrderForCollection(ctx, tt.coll); latest != nil {
					t.Fatalf("a refused request left order %s", latest.OutTradeNo)
				}
				return
			}
			if err != nil || o.Status != StatusCreated {
				t.Fatalf("order %+v, err %v", o, err)
			}
		})
	}
}

func TestReconcilePaysWhenTheNotificationIsLost(t *testing.T) {
	for _, dialect := range dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect, envOptions{})
			ctx := context.Background()
			s := e.student("sun")
			o, _, err := e.createOrder(ctx, s.UserID, s.CollectionID, false)
			if err != nil {
				t.Fatal(err)
			}
			if status, out := e.hook("/pay/transactions/" + o.OutTradeNo + "/succeed?notify=0"); status != 200 || out["notified"] != false {
				t.Fatalf("succeed: %d %v", status, out)
			}
			// Too young to be queried yet.
			if res, err := e.svc.Reconcile(ctx); err != nil || res.Checked != 0 {
				t.Fatalf("young order: %+v %v", res, err)
			}
			e.clock.Advance(11 * time.Minute)
			res, err := e.svc.Reconcile(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if res.Checked != 1 || res.Paid != 1 || res.Failed != 0 {
				t.Fatalf("reconcile = %+v", res)
			}
			got := e.order(o.OutTradeNo)
			if got.Status != StatusPaid || got.LeaseUntil != nil || got.LeaseOwner != "" || len(e.cols.marks()) != 1 || e.reviews.count() != 1 {
				t.Fatalf("after reconcile: %+v, marks %d", got, len(e.cols.marks()))
			}
			if res, err := e.svc.Reconcile(ctx); err != nil || res.Checked != 0 {
				t.Fatalf("second run: %+v %v", res, err)
			}
		})
	}
}

func TestReconcileClosesExpiredOrders(t *testing.T) {
	for _, dialect := range dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect, envOptions{})
			ctx := context.Background()
			s := e.student("qian")
			o, _, err := e.createOrder(ctx, s.UserID, s.CollectionID, false)
			if err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(30 * time.Minute)
			if res, err := e.svc.Reconcile(ctx); err != nil || res.Checked != 1 || res.Closed != 0 {
				t.Fatalf("unexpired: %+v %v", res, err)
			}
			e.clock.Advance(2 * time.Hour)
			res, err := e.svc.Reconcile(ctx)
			if err != nil || res.Closed != 1 {
				t.Fatalf("expired: %+v %v", res, err)
			}
			if got := e.order(o.OutTradeNo); got.Status != StatusClosed || got.ClosedAt == nil || got.OpenCollectionID != nil {
				t.Fatalf("after reconcile: %+v", got)
			}
			tx, err := e.gw.QueryByOutTradeNo(ctx, o.OutTradeNo)
			if err != nil || tx.TradeState != TradeClosed {
				t.Fatalf("WeChat's view: %+v %v", tx, err)
			}
			// The student can pay again, with a new order.
			again, _, err := e.createOrder(ctx, s.UserID, s.CollectionID, false)
			if err != nil || again.OutTradeNo == o.OutTradeNo {
				t.Fatalf("new order %+v, %v", again, err)
			}
		})
	}
}

func TestRefund(t *testing.T) {
	for _, dialect := range dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect, envOptions{})
			ctx := context.Background()
			s := e.student("zhou")
			o, _, err := e.createOrder(ctx, s.UserID, s.CollectionID, false)
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.svc.Refund(ctx, o.OutTradeNo, "重复支付")
			wantKind(t, err, "order_not_paid")
			e.hook("/pay/transactions/" + o.OutTradeNo + "/succeed")

			e.gate = make(chan struct{}) // hold the refund notification
			r, err := e.svc.Refund(ctx, o.OutTradeNo, "学生申请退款")
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != StatusRefunding || r.OutRefundNo == nil || r.RefundReason != "学生申请退款" {
				t.Fatalf("after Refund: %+v", r)
			}
			e.cols.mu.Lock()
			withdrawn := fmt.Sprint(e.cols.withdrawn)
			e.cols.mu.Unlock()
			if withdrawn != "["+s.CollectionID+"]" {
				t.Fatalf("the refunded collection was not withdrawn from review once: %s", withdrawn)
			}
			if again, err := e.svc.Refund(ctx, o.OutTradeNo, "again"); err != nil || again.Status != StatusRefunding {
				t.Fatalf("repeated Refund: %+v %v", again, err)
			}
			close(e.gate)
			e.pay.Wait()
			got := e.order(o.OutTradeNo)
			if got.Status != StatusRefunded || got.RefundedAt == nil || got.RefundID == "" || got.PaidCollectionID != nil {
				t.Fatalf("after REFUND.SUCCESS: %+v", got)
			}
			_, err = e.svc.Refund(ctx, o.OutTradeNo, "again")
			wantKind(t, err, "already_refunded")
		})
	}
}

func TestReconcileCompletesRefundWhenTheNotificationFails(t *testing.T) {
	e := newEnv(t, "sqlite", envOptions{})
	ctx := context.Background()
	s := e.student("wu")
	o, _, err := e.createOrder(ctx, s.UserID, s.CollectionID, false)
	if err != nil {
		t.Fatal(err)
	}
	e.hook("/pay/transactions/" + o.OutTradeNo + "/succeed")
	// The refund notification is rejected (as if our key were wrong): it must not apply.
	e.gate = make(chan struct{})
	if _, err := e.svc.Refund(ctx, o.OutTradeNo, "退款"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(10 * time.Minute) // the notification arrives stale: refused
	close(e.gate)
	e.pay.Wait()
	if got := e.order(o.OutTradeNo); got.Status != StatusRefunding {
		t.Fatalf("a stale notification applied: %+v", got)
	}
	e.clock.Advance(time.Minute)
	res, err := e.svc.Reconcile(ctx)
	if err != nil || res.Refunded != 1 {
		t.Fatalf("reconcile = %+v %v", res, err)
	}
	if got := e.order(o.OutTradeNo); got.Status != StatusRefunded {
		t.Fatalf("after reconcile: %+v", got)
	}
}
