package usecase

import (
	"context"

	"gorm.io/gorm"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/audit"
	"github.com/gradphoto/gradphoto/internal/db"
	"github.com/gradphoto/gradphoto/internal/payment"
)

// RefundRule is the collection's refund rule (collection.Staff).
type RefundRule interface {
	// LockRefund locks the collection in the caller's transaction and applies the rule
	// to it as it stands (a 409 naming its status when the rule refuses).
	LockRefund(ctx context.Context, who audit.Actor, collectionID string) error
}

// Orders is what a refund needs of payment.Service.
type Orders interface {
	FindOrder(ctx context.Context, outTradeNo string) (*payment.Order, error)
	StartRefund(ctx context.Context, outTradeNo, reason string) (*payment.Order, bool, error)
	SubmitRefund(ctx context.Context, o *payment.Order, revertOnRefusal bool) (*payment.Order, error)
}

// Trail is the audit trail (audit.Log).
type Trail interface {
	Record(ctx context.Context, who audit.Actor, action, target string, detail map[string]any) error
	RecordBestEffort(ctx context.Context, who audit.Actor, action, target string, detail map[string]any)
}

// Refunds is a staff member's refund of an order.
type Refunds struct {
	g      *gorm.DB
	rule   RefundRule
	orders Orders
	trail  Trail
}

// NewRefunds builds the refund use case.
func NewRefunds(g *gorm.DB, rule RefundRule, orders Orders, trail Trail) *Refunds {
	return &Refunds{g: g, rule: rule, orders: orders, trail: trail}
}

// Refund refunds outTradeNo in full for who. The rule check, the audit entry and the
// decision (order refunding, collection out of review) are one transaction that holds
// the collection's row lock, the lock a review decision takes first too: an approval
// and a refund of one student are serialised, and the later one gets a 409 saying what
// the earlier one did. WeChat Pay is asked only after that transaction committed, and
// only if this call started the refund. Every attempt is in the trail: requested (with
// the decision: no trail, no refund), done, or failed with its code.
func (r *Refunds) Refund(ctx context.Context, who audit.Actor, outTradeNo, reason string) (*payment.Order, error) {
	reason, err := refundReason(reason)
	if err != nil {
		return nil, err
	}
	o, err := r.orders.FindOrder(ctx, outTradeNo)
	if err != nil {
		return nil, err
	}
	detail := map[string]any{"reason": reason, "amount_fen": o.AmountFen, "collection_id": o.CollectionID, "order_status": o.Status}
	failed := func(err error) error {
		d := map[string]any{"reason": reason, "collection_id": o.CollectionID, "order_status": o.Status, "code": apperr.As(err).Code}
		r.trail.RecordBestEffort(ctx, who, audit.ActionRefundFailed, outTradeNo, d)
		return err
	}
	var started bool
	err = db.Tx(ctx, r.g, func(ctx context.Context) error {
		if err := r.rule.LockRefund(ctx, who, o.CollectionID); err != nil {
			return err
		}
		if err := r.trail.Record(ctx, who, audit.ActionRefundRequested, outTradeNo, detail); err != nil {
			return err
		}
		var err error
		o, started, err = r.orders.StartRefund(ctx, outTradeNo, reason)
		return err
	})
	if err != nil {
		return nil, failed(err)
	}
	if started {
		submitted, err := r.orders.SubmitRefund(ctx, o, true)
		if err != nil {
			return nil, failed(err)
		}
		o = submitted
	}
	detail["order_status"] = o.Status
	r.trail.RecordBestEffort(ctx, who, audit.ActionRefund, outTradeNo, detail)
	return o, nil
}

// refundReason checks the reason every refund must give (WeChat Pay keeps at most 80
// characters of it).
func refundReason(reason string) (string, error) {
	return givenReason(reason, "请填写退款原因", 80)
}
