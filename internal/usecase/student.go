package usecase

import (
	"context"
	"encoding/json"

	"github.com/gradphoto/gradphoto/internal/collection"
	"github.com/gradphoto/gradphoto/internal/db"
	"github.com/gradphoto/gradphoto/internal/payment"
	"github.com/gradphoto/gradphoto/internal/review"
	"github.com/gradphoto/gradphoto/internal/school"
)

// Student is what a student does with their collection. Each answer is the collection
// joined with what the other domains know of it (CollectionView).
type Student struct{ d Deps }

// CollectionView is a collection with its school, its open subscribe acceptances, its
// latest order and its latest review round: what the student (and support) see.
type CollectionView struct {
	Collection *collection.Collection
	School     *school.School
	// Subscribed lists the subscribe templates with an acceptance not yet used up.
	Subscribed []string
	Order      *payment.Order // the latest, nil when none
	Review     *review.Task   // the latest round, nil when never queued or cancelled by a refund
}

// view joins a collection with its school, order and review.
func view(ctx context.Context, d Deps, c *collection.Collection) (*CollectionView, error) {
	sc, err := d.Schools.Lookup(ctx, c.SchoolID)
	if err != nil {
		return nil, err
	}
	v := &CollectionView{Collection: c, School: sc}
	if v.Subscribed, err = d.Collections.OpenSubscriptions(ctx, c.ID); err != nil {
		return nil, err
	}
	if v.Order, err = d.Payments.OrderForCollection(ctx, c.ID); err != nil {
		return nil, err
	}
	t, err := d.Reviews.LatestForCollection(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	if t != nil && t.Status != review.StatusCancelled { // a review cancelled by a refund is no review
		v.Review = t
	}
	return v, nil
}

// Create verifies the student against the roster and opens (or returns) their
// collection; created is false when they already had it.
func (u *Student) Create(ctx context.Context, userID string, in collection.CreateInput) (*CollectionView, bool, error) {
	c, created, err := u.d.Collections.Create(ctx, userID, in)
	if err != nil {
		return nil, false, err
	}
	v, err := view(ctx, u.d, c)
	return v, created, err
}

// List returns the student's collections, newest first.
func (u *Student) List(ctx context.Context, userID string) ([]*CollectionView, error) {
	cs, err := u.d.Collections.List(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]*CollectionView, 0, len(cs))
	for i := range cs {
		v, err := view(ctx, u.d, &cs[i])
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Get returns one of the student's collections. One waiting for payment has its open
// order checked with WeChat Pay first (best effort, rate-limited): a student back from
// wx.requestPayment sees the payment even before WeChat's notification arrived.
func (u *Student) Get(ctx context.Context, userID, id string) (*CollectionView, error) {
	c, err := u.d.Collections.Get(ctx, userID, id)
	if err != nil {
		return nil, err
	}
	if c.Status == collection.StatusPhotoOK {
		u.d.Payments.SyncOpenOrder(ctx, c.ID)
		if c, err = u.d.Collections.Get(ctx, userID, id); err != nil {
			return nil, err
		}
	}
	return view(ctx, u.d, c)
}

// Confirm records that the student confirmed the matched information.
func (u *Student) Confirm(ctx context.Context, userID, id string) (*CollectionView, error) {
	c, err := u.d.Collections.Confirm(ctx, userID, id)
	return viewOf(ctx, u.d, c, err)
}

// SetCaptureCode reads and binds the student's 采集码 screenshot.
func (u *Student) SetCaptureCode(ctx context.Context, userID, id string, image []byte) (*CollectionView, error) {
	c, err := u.d.Collections.SetCaptureCode(ctx, userID, id, image)
	return viewOf(ctx, u.d, c, err)
}

// AcceptSubscriptions records the subscribe templates the student accepted.
func (u *Student) AcceptSubscriptions(ctx context.Context, userID, id string, accepted []string) (*CollectionView, error) {
	c, err := u.d.Collections.AcceptSubscriptions(ctx, userID, id, accepted)
	return viewOf(ctx, u.d, c, err)
}

// viewOf is view after a call that returned c or err.
func viewOf(ctx context.Context, d Deps, c *collection.Collection, err error) (*CollectionView, error) {
	if err != nil {
		return nil, err
	}
	return view(ctx, d, c)
}

// PhotoResult is an accepted upload: the collection, the checks and how the standard
// photo was cut.
type PhotoResult struct {
	Collection *CollectionView
	Checks     json.RawMessage
	Standard   json.RawMessage
}

// UploadPhoto checks the student's photo (outside any transaction: it is slow) and
// records a passing one. After a rejection by review or by 学信网 the collection goes
// straight back into review, with no new payment: the new review round is queued in
// the transaction that records the photo.
func (u *Student) UploadPhoto(ctx context.Context, userID, id string, data []byte) (*PhotoResult, error) {
	p, err := u.d.Collections.CheckPhoto(ctx, userID, id, data)
	if err != nil {
		return nil, err
	}
	var c *collection.Collection
	err = db.Tx(ctx, u.d.DB, func(ctx context.Context) error {
		var back bool
		var err error
		if c, back, err = u.d.Collections.AcceptPhoto(ctx, userID, id, p); err != nil || !back {
			return err
		}
		return u.d.Reviews.Enqueue(ctx, c.ID, *c.PhotoAt)
	})
	if err != nil {
		return nil, err
	}
	v, err := view(ctx, u.d, c)
	if err != nil {
		return nil, err
	}
	return &PhotoResult{Collection: v, Checks: p.Checks, Standard: p.Standard}, nil
}
