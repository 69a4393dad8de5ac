package payment

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gradphoto/gradphoto/internal/apperr"
)

// refunding returns a paid order of a new student whose refund is started and accepted
// by the sandbox, with the sandbox's own REFUND.SUCCESS notification held at the gate.
func (e *env) refunding(name string) *Order {
	e.t.Helper()
	o, _ := e.paidAtWeChat(name)
	e.syncPaid(o)
	r, err := e.svc.Refund(context.Background(), o.OutTradeNo, "学生申请退款")
	if err != nil || r.Status != StatusRefunding || r.RefundStatus != RefundProcessing {
		e.t.Fatalf("refund: %+v %v", r, err)
	}
	return r
}

// syncPaid applies o's payment from a query (the notification was not sent).
func (e *env) syncPaid(o *Order) {
	e.t.Helper()
	tx, err := e.gw.QueryByOutTradeNo(context.Background(), o.OutTradeNo)
	if err != nil {
		e.t.Fatal(err)
	}
	if out, err := e.svc.applyTransaction(context.Background(), queryID(tx), "QUERY", tx); err != nil || out != OutcomeApplied {
		e.t.Fatalf("apply: %s %v", out, err)
	}
}

// holdRefundNotifications keeps the sandbox's refund notifications at the gate until
// the test ends.
func (e *env) holdRefundNotifications(t *testing.T) {
	e.gate = make(chan struct{})
	gate := e.gate
	t.Cleanup(func() { close(gate) })
}

// refundResource is WeChat's REFUND.* resource for o, changed by mut.
func refundResource(o *Order, mut func(m map[string]any)) map[string]any {
	m := map[string]any{
		"mchid": testMchID, "out_trade_no": o.OutTradeNo, "transaction_id": o.TransactionID,
		"out_refund_no": "R" + o.OutTradeNo, "refund_id": "50300000000000000000000000000001",
		"refund_status": RefundSuccess, "success_time": "2026-06-01T10:00:00+08:00",
		"amount":                map[string]any{"total": o.AmountFen, "refund": o.AmountFen, "payer_total": o.AmountFen, "payer_refund": o.AmountFen},
		"user_received_account": "支付用户零钱",
	}
	if mut != nil {
		mut(m)
	}
	return m
}

// sendRefund delivers a genuinely signed refund notification to the service.
func (e *env) sendRefund(id, event string, resource map[string]any) error {
	e.t.Helper()
	req, err := e.pay.NewNotification(context.Background(), e.notify, id, event, "退款", "refund", resource)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.svc.HandleRefundNotify(context.Background(), req)
}

func (e *env) wantOutcome(id, outcome, detail string) {
	e.t.Helper()
	var n Notification
	if err := e.g.Where("id = ?", id).Take(&n).Error; err != nil {
		e.t.Fatalf("notification %s not recorded: %v", id, err)
	}
	if n.Outcome != outcome || !strings.Contains(n.Detail, detail) {
		e.t.Fatalf("notification %s: %s %q, want %s %q", id, n.Outcome, n.Detail, outcome, detail)
	}
}

func TestRefundNotificationChecks(t *testing.T) {
	for _, dialect := range dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect, envOptions{})
			e.holdRefundNotifications(t)
			o := e.refunding("rn")
			paid, _ := e.paidAtWeChat("rnpaid") // paid, never refunded
			e.syncPaid(paid)
			paid = e.order(paid.OutTradeNo)
			unchanged := func(what string) {
				t.Helper()
				got := e.order(o.OutTradeNo)
				if got.Status != StatusRefunding || got.RefundStatus != RefundProcessing || got.RefundedAt != nil || got.PaidCollectionID == nil {
					t.Fatalf("%s changed the order: %+v", what, got)
				}
				if p := e.order(paid.OutTradeNo); p.Status != StatusPaid || p.RefundStatus != "" {
					t.Fatalf("%s changed the paid order: %+v", what, p)
				}
			}
			alerts := 0
			for _, c := range []struct {
				name, detail string
				order        *Order
				mut          func(m map[string]any)
			}{
				{"unknown order", "unknown out_trade_no", o, func(m map[string]any) { m["out_trade_no"] = "P260101000000000000000000000000" }},
				{"another merchant", "mchid mismatch", o, func(m map[string]any) { m["mchid"] = "1900000002" }},
				{"another refund of the order", "refund we did not ask for", o, func(m map[string]any) { m["out_refund_no"] = "RX" + o.OutTradeNo }},
				{"a refund we never asked for", "refund we did not ask for", paid, nil},
				{"refund amount", "refund amount 1 of", o, func(m map[string]any) { m["amount"].(map[string]any)["refund"] = 1 }},
				{"total amount", "refund amount", o, func(m map[string]any) { m["amount"].(map[string]any)["total"] = o.AmountFen + 1 }},
			} {
				id := "rn-" + strings.ReplaceAll(c.name, " ", "-")
				if err := e.sendRefund(id, EventRefundSuccess, refundResource(c.order, c.mut)); err != nil {
					t.Fatalf("%s: answered %v, want 200 (recorded)", c.name, err)
				}
				e.wantOutcome(id, OutcomeAnomaly, c.detail)
				unchanged(c.name)
				alerts++
				if as, inTx := e.alerts.list(); len(as) != alerts || !inTx[alerts-1] || as[alerts-1].Source != id {
					t.Fatalf("%s: alerts %+v", c.name, as)
				}
			}

			// Events the refund endpoint does not handle are recorded, nothing else.
			if err := e.sendRefund("rn-other-event", EventTransactionSuccess, refundResource(o, nil)); err != nil {
				t.Fatal(err)
			}
			e.wantOutcome("rn-other-event", OutcomeIgnored, "event type not handled")
			unchanged("a TRANSACTION.SUCCESS on the refund endpoint")

			// ABNORMAL and CLOSED: the money did not go back; the order says so, a person acts.
			for _, st := range []string{RefundAbnormal, RefundClosed} {
				id := "rn-" + st
				if err := e.sendRefund(id, "REFUND."+st, refundResource(o, func(m map[string]any) { m["refund_status"] = st })); err != nil {
					t.Fatal(err)
				}
				e.wantOutcome(id, OutcomeAnomaly, "refund "+st)
				got := e.order(o.OutTradeNo)
				if got.Status != StatusRefunding || got.RefundStatus != st || got.RefundedAt != nil {
					t.Fatalf("after REFUND.%s: %+v", st, got)
				}
				alerts++
				if as, _ := e.alerts.list(); len(as) != alerts {
					t.Fatalf("REFUND.%s not alerted: %+v", st, as)
				}
			}

			// SUCCESS applies once; a redelivery and a second source change nothing.
			if err := e.sendRefund("rn-success", EventRefundSuccess, refundResource(o, nil)); err != nil {
				t.Fatal(err)
			}
			e.wantOutcome("rn-success", OutcomeApplied, "")
			got := e.order(o.OutTradeNo)
			if got.Status != StatusRefunded || got.RefundStatus != RefundSuccess || got.RefundedAt == nil ||
				got.PaidCollectionID != nil || got.RefundID != "50300000000000000000000000000001" {
				t.Fatalf("after REFUND.SUCCESS: %+v", got)
			}
			if err := e.sendRefund("rn-success", EventRefundSuccess, refundResource(o, nil)); err != nil {
				t.Fatal(err)
			}
			if err := e.sendRefund("rn-success-2", EventRefundSuccess, refundResource(o, nil)); err != nil {
				t.Fatal(err)
			}
			e.wantOutcome("rn-success-2", OutcomeIgnored, "already applied")
			if as, _ := e.alerts.list(); len(as) != alerts {
				t.Fatalf("a settled refund alerted: %+v", as)
			}
		})
	}
}

func TestNonSuccessPaymentEventsAreRecordedOnly(t *testing.T) {
	for _, dialect := range dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect, envOptions{})
			o, tx := e.paidAtWeChat("recordonly")
			for i, event := range []string{"TRANSACTION.CLOSED", EventRefundSuccess} {
				req, err := e.pay.NewNotification(context.Background(), e.notify, "ro-"+event, event, "x", "transaction", tx)
				if err != nil {
					t.Fatal(err)
				}
				if err := e.svc.HandleNotify(context.Background(), req); err != nil {
					t.Fatal(err)
				}
				e.wantOutcome("ro-"+event, OutcomeIgnored, "event type not handled")
				if got := e.order(o.OutTradeNo); got.Status != StatusCreated || len(e.cols.marks()) != 0 {
					t.Fatalf("event %d (%s) applied a payment: %+v", i, event, got)
				}
			}
			// A resource that is not a transaction is an anomaly, recorded and told.
			req, err := e.pay.NewNotification(context.Background(), e.notify, "ro-garbage", EventTransactionSuccess, "x", "transaction", []int{1})
			if err != nil {
				t.Fatal(err)
			}
			if err := e.svc.HandleNotify(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			e.wantOutcome("ro-garbage", OutcomeAnomaly, "not a transaction")
			if as, _ := e.alerts.list(); len(as) != 1 || as[0].Source != "ro-garbage" {
				t.Fatalf("alerts: %+v", as)
			}
		})
	}
}

func TestRefundRefusedByWeChatIsUndone(t *testing.T) {
	for _, dialect := range dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect, envOptions{})
			e.holdRefundNotifications(t)
			ctx := context.Background()
			o, _ := e.paidAtWeChat("refused")
			e.syncPaid(o)
			// The whole amount was already refunded on the merchant platform: WeChat
			// answers NOT_ENOUGH to ours.
			if _, err := e.gw.Refund(ctx, RefundRequest{OutTradeNo: o.OutTradeNo, OutRefundNo: "MP" + o.OutTradeNo, RefundFen: o.AmountFen, TotalFen: o.AmountFen}); err != nil {
				t.Fatal(err)
			}
			_, err := e.svc.Refund(ctx, o.OutTradeNo, "学生申请退款")
			wantKind(t, err, "refund_refused")
			if d := apperrDetails(err); d["wechat_code"] != "NOT_ENOUGH" {
				t.Fatalf("details: %v", d)
			}
			got := e.order(o.OutTradeNo)
			if got.Status != StatusPaid || got.OutRefundNo != nil || got.RefundStatus != "" || got.RefundRequestedAt != nil || got.PaidCollectionID == nil {
				t.Fatalf("the refused refund was not undone: %+v", got)
			}
			// The collection went back into review: marked paid again, queued again.
			if m := e.cols.marks(); len(m) != 2 || !m[1].InTx {
				t.Fatalf("collection not put back: %+v", m)
			}
			if n := e.reviews.count(); n != 2 {
				t.Fatalf("review not queued again: %d", n)
			}
			// An unknown outcome (WeChat unreachable) leaves the refund to the reconciler.
			e2 := *e
			e2.svc = NewService(e.g, unreachableRefunds{e.gw}, e.cols, e.reviews, e.alerts, Config{AppID: testAppID, MchID: testMchID}, e.clock.Now, e.svc.log)
			r, err := e2.svc.Refund(ctx, o.OutTradeNo, "学生申请退款")
			if err != nil || r.Status != StatusRefunding || r.OutRefundNo == nil {
				t.Fatalf("unknown outcome: %+v %v", r, err)
			}
		})
	}
}

// unreachableRefunds is the gateway with WeChat's refund API out of reach.
type unreachableRefunds struct{ *WeChatGateway }

func (unreachableRefunds) Refund(context.Context, RefundRequest) (*RefundResult, error) {
	return nil, errors.New("read tcp: connection reset by peer")
}

func apperrDetails(err error) map[string]any { return apperr.As(err).Details }
