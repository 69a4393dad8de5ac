package usecase

import (
	"context"
	"time"

	"github.com/gradphoto/gradphoto/internal/audit"
	"github.com/gradphoto/gradphoto/internal/collection"
	"github.com/gradphoto/gradphoto/internal/notify"
	"github.com/gradphoto/gradphoto/internal/payment"
	"github.com/gradphoto/gradphoto/internal/review"
)

// PlaceOrder places (or re-places) the order of the student's own collection and returns
// the parameters for wx.requestPayment. ackCHSI records first that the student read the
// notice that the roster says they already have a 学信网 photo: support can see they
// were warned before paying. Another account's collection is not found.
func (u *Student) PlaceOrder(ctx context.Context, userID, collectionID string, ackCHSI bool) (*payment.Order, payment.PayParams, error) {
	if ackCHSI {
		if err := u.d.Collections.AckCHSIPhoto(ctx, userID, collectionID); err != nil {
			return nil, payment.PayParams{}, err
		}
	}
	c, err := u.d.Collections.ByID(ctx, collectionID)
	if err != nil {
		return nil, payment.PayParams{}, err
	}
	if !c.OwnedBy(userID) {
		return nil, payment.PayParams{}, collection.ErrNotFound
	}
	sc, err := u.d.Schools.Get(ctx, c.SchoolID)
	if err != nil {
		return nil, payment.PayParams{}, err
	}
	openID, err := u.d.Auth.OpenID(ctx, userID)
	if err != nil {
		return nil, payment.PayParams{}, err
	}
	return u.d.Payments.CreateOrder(ctx, payment.Subject{
		CollectionID: c.ID, UserID: c.UserID, OpenID: openID, SchoolName: sc.Name, AmountFen: sc.PriceFen,
		Status: string(c.Status), AlreadyHasCHSIPhoto: c.AlreadyHasCHSIPhoto && !c.CHSIPhotoAck,
	}, ackCHSI)
}

// Settlement is what a payment changes beyond the order (payment.Collections): paid, the
// collection goes into review; refunded, it comes out. Both run inside the payment's
// transaction.
type Settlement struct {
	cols    *collection.Service
	reviews *review.Service
}

// NewSettlement builds payment's view of collections and the review queue.
func NewSettlement(cols *collection.Service, reviews *review.Service) *Settlement {
	return &Settlement{cols: cols, reviews: reviews}
}

// MarkPaid moves the paid collection photo_ok → in_review (payment enqueues its review).
func (s *Settlement) MarkPaid(ctx context.Context, collectionID, _ string, _ time.Time) error {
	return s.cols.MarkPaid(ctx, collectionID)
}

// Withdraw takes the collection out of review when its order is refunded: back to
// photo_ok, its open review task cancelled (nobody reviews a photo not paid for).
func (s *Settlement) Withdraw(ctx context.Context, collectionID string) error {
	if err := s.cols.Withdraw(ctx, collectionID); err != nil {
		return err
	}
	return s.reviews.Cancel(ctx, collectionID)
}

// PaymentAlerts tells people about payment anomalies (payment.Alerts), inside the
// transaction that records them: an audit entry, and an SMS to support through the
// outbox when a support phone is configured.
type PaymentAlerts struct {
	trail  *audit.Log
	outbox *notify.Outbox
	phone  string
}

// NewPaymentAlerts builds the alerts; phone may be empty (audit entry only).
func NewPaymentAlerts(trail *audit.Log, outbox *notify.Outbox, phone string) *PaymentAlerts {
	return &PaymentAlerts{trail: trail, outbox: outbox, phone: phone}
}

// PaymentAnomaly records the anomaly and texts support.
func (p *PaymentAlerts) PaymentAnomaly(ctx context.Context, a payment.Anomaly) error {
	detail := map[string]any{"source": a.Source, "collection_id": a.CollectionID, "amount_fen": a.AmountFen,
		"detail": a.Detail, "auto_refund": a.AutoRefund}
	if err := p.trail.Record(ctx, audit.Actor{Username: "system", Role: "system"}, audit.ActionPaymentAnomaly, a.OutTradeNo, detail); err != nil {
		return err
	}
	if p.phone == "" {
		return nil
	}
	action := "请人工处理"
	if a.AutoRefund {
		action = "已自动退款"
	}
	return p.outbox.Enqueue(ctx, notify.Message{IdempotencyKey: "payment_anomaly:" + a.Source, Channel: notify.ChannelSMS,
		Recipient: p.phone, Template: notify.TemplatePaymentAnomaly, CollectionID: a.CollectionID,
		Params: map[string]string{notify.ParamOrder: a.OutTradeNo, notify.ParamAction: action}})
}
