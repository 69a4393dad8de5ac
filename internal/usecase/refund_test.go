package usecase

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/audit"
	"github.com/gradphoto/gradphoto/internal/db"
	"github.com/gradphoto/gradphoto/internal/dbtest"
	"github.com/gradphoto/gradphoto/internal/payment"
)

// txOf names the transaction ctx carries (nil outside one).
func txOf(ctx context.Context, g *gorm.DB) any {
	if !db.InTx(ctx) {
		return nil
	}
	if tx, ok := db.Conn(ctx, g).Statement.ConnPool.(*sql.Tx); ok {
		return tx
	}
	return nil
}

type fakeRule struct {
	g    *gorm.DB
	err  error
	seen []any
}

func (f *fakeRule) LockRefund(ctx context.Context, _ audit.Actor, _ string) error {
	f.seen = append(f.seen, txOf(ctx, f.g))
	return f.err
}

type fakeOrders struct {
	g         *gorm.DB
	started   []any
	submitted int
	submitErr error
}

func (f *fakeOrders) FindOrder(context.Context, string) (*payment.Order, error) {
	return &payment.Order{OutTradeNo: "P1", CollectionID: "c1", AmountFen: 2000, Status: payment.StatusPaid}, nil
}

func (f *fakeOrders) StartRefund(ctx context.Context, otn, reason string) (*payment.Order, bool, error) {
	f.started = append(f.started, txOf(ctx, f.g))
	rn := "R" + otn
	return &payment.Order{OutTradeNo: otn, CollectionID: "c1", Status: payment.StatusRefunding, OutRefundNo: &rn, RefundReason: reason}, true, nil
}

func (f *fakeOrders) SubmitRefund(ctx context.Context, o *payment.Order, revert bool) (*payment.Order, error) {
	f.submitted++
	if db.InTx(ctx) || !revert {
		return nil, errors.New("WeChat Pay asked inside the decision's transaction, or without undo on refusal")
	}
	return o, f.submitErr
}

func actions(t *testing.T, trail *audit.Log) map[string]int {
	t.Helper()
	p, err := trail.List(context.Background(), audit.Actor{Role: "admin"}, audit.Filter{PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, e := range p.Entries {
		out[e.Action]++
	}
	return out
}

// The refund rule, the audit entry and the refund's start are one transaction (the
// collection's lock is held from the rule check to the commit); WeChat Pay is asked after.
func TestRefundDecidesInOneTransaction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, g *gorm.DB) {
		ctx := context.Background()
		trail := audit.NewLog(g, time.Now, dbtest.Discard())
		rule, orders := &fakeRule{g: g}, &fakeOrders{g: g}
		who := audit.Actor{Username: "support", Role: "support"}
		o, err := NewRefunds(g, rule, orders, trail).Refund(ctx, who, "P1", "学生申请退款")
		if err != nil || o.Status != payment.StatusRefunding {
			t.Fatalf("refund: %+v %v", o, err)
		}
		if len(rule.seen) != 1 || rule.seen[0] == nil || len(orders.started) != 1 || orders.started[0] != rule.seen[0] {
			t.Fatalf("rule checked in %v, refund started in %v: not one transaction", rule.seen, orders.started)
		}
		if orders.submitted != 1 {
			t.Fatalf("submitted %d times", orders.submitted)
		}
		if a := actions(t, trail); a[audit.ActionRefundRequested] != 1 || a[audit.ActionRefund] != 1 || a[audit.ActionRefundFailed] != 0 {
			t.Fatalf("audit: %v", a)
		}

		// The rule refuses: nothing starts, nothing is asked, the attempt is audited as failed.
		g2 := dbtest.SQLite(t)
		trail2 := audit.NewLog(g2, time.Now, dbtest.Discard())
		refused := apperr.Conflict("refund_after_approval", "x")
		rule2, orders2 := &fakeRule{g: g2, err: refused}, &fakeOrders{g: g2}
		if _, err := NewRefunds(g2, rule2, orders2, trail2).Refund(ctx, who, "P1", "r"); !errors.Is(err, refused) {
			t.Fatalf("refused: %v", err)
		}
		if len(orders2.started) != 0 || orders2.submitted != 0 {
			t.Fatal("a refused refund started")
		}
		if a := actions(t, trail2); a[audit.ActionRefundRequested] != 0 || a[audit.ActionRefundFailed] != 1 {
			t.Fatalf("audit of a refusal: %v", a)
		}
	})
}

// A refund says why, in at most 80 characters; without a reason nothing is looked up,
// started or audited.
func TestRefundNeedsAReason(t *testing.T) {
	g := dbtest.SQLite(t)
	trail := audit.NewLog(g, time.Now, dbtest.Discard())
	rule, orders := &fakeRule{g: g}, &fakeOrders{g: g}
	who := audit.Actor{Username: "support", Role: "support"}
	for reason, code := range map[string]string{"": "reason_required", "   ": "reason_required", strings.Repeat("退", 81): "field_too_long"} {
		_, err := NewRefunds(g, rule, orders, trail).Refund(context.Background(), who, "P1", reason)
		if e := apperr.As(err); e.Code != code || e.Details["field"] != "reason" {
			t.Fatalf("%q: %v", reason, err)
		}
	}
	if len(rule.seen) != 0 || len(orders.started) != 0 || len(actions(t, trail)) != 0 {
		t.Fatal("a refund without a reason went on")
	}
}
