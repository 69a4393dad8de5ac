package usecase

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/audit"
	"github.com/gradphoto/gradphoto/internal/auth"
	"github.com/gradphoto/gradphoto/internal/collection"
	"github.com/gradphoto/gradphoto/internal/db"
	"github.com/gradphoto/gradphoto/internal/notify"
	"github.com/gradphoto/gradphoto/internal/payment"
	"github.com/gradphoto/gradphoto/internal/review"
)

// Support is what support staff (and admins) do for a student who calls.
type Support struct{ d Deps }

// ErrStudentNotFound answers a look-up that found nobody.
var ErrStudentNotFound = apperr.NotFound("student_not_found", "没有找到该学生的采集记录")

// LookupQuery is one look-up key: a phone, a 学号, an order number, or a name within a
// school.
type LookupQuery struct {
	Phone, StudentNo, OutTradeNo, Name, SchoolID string
}

// LookupResult is one collection with what support needs about it.
type LookupResult struct {
	Collection    *CollectionView
	Order         *payment.Order // the latest, nil when none
	Review        *review.Task   // the latest round, nil when never queued
	Notifications []notify.Record
	// Refundable: the order is paid and the refund rule lets the caller refund it.
	Refundable bool
}

// Lookup finds students' collections for support, each with its order, review and
// message timeline; every look-up is in the audit trail (collection.Staff records it).
func (u *Support) Lookup(ctx context.Context, who audit.Actor, q LookupQuery) ([]LookupResult, error) {
	if err := requireRole(who, auth.RoleSupport); err != nil {
		return nil, err
	}
	var cols []collection.Collection
	otn := strings.TrimSpace(q.OutTradeNo)
	if otn != "" {
		if q.Phone != "" || q.StudentNo != "" || q.Name != "" {
			return nil, collection.ErrLookupKey
		}
		if len(otn) > 32 {
			return nil, apperr.ErrNotFound
		}
		o, err := u.d.Payments.FindOrder(ctx, otn)
		if err != nil {
			return nil, err
		}
		col, err := u.d.Staff.LookupByID(ctx, who, o.CollectionID, "out_trade_no:"+otn)
		if err != nil {
			return nil, err
		}
		cols = append(cols, *col)
	} else {
		found, err := u.d.Staff.Lookup(ctx, who, collection.LookupKey{Phone: q.Phone, StudentNo: q.StudentNo, Name: q.Name, SchoolID: q.SchoolID})
		if err != nil {
			return nil, err
		}
		cols = found
	}
	if len(cols) == 0 {
		return nil, ErrStudentNotFound
	}
	out := make([]LookupResult, 0, len(cols))
	for i := range cols {
		r, err := u.lookupOne(ctx, who, &cols[i])
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func (u *Support) lookupOne(ctx context.Context, who audit.Actor, col *collection.Collection) (LookupResult, error) {
	v, err := view(ctx, u.d, col)
	if err != nil {
		return LookupResult{}, err
	}
	r := LookupResult{Collection: v, Order: v.Order, Notifications: []notify.Record{}}
	if r.Order != nil {
		r.Refundable = r.Order.Status == payment.StatusPaid && u.d.Staff.CheckRefund(ctx, who, col.ID) == nil
	}
	// The latest round even when a refund cancelled it: support sees what happened.
	if r.Review, err = u.d.Reviews.LatestForCollection(ctx, col.ID); err != nil {
		return r, err
	}
	ns, err := u.d.Outbox.ForCollection(ctx, col.ID)
	if err != nil {
		return r, apperr.Internal(err)
	}
	if ns != nil {
		r.Notifications = ns
	}
	return r, nil
}

// collection loads a collection for a support action (404 when there is none).
func (u *Support) collection(ctx context.Context, who audit.Actor, id string) (*collection.Collection, error) {
	if err := requireRole(who, auth.RoleSupport); err != nil {
		return nil, err
	}
	return u.d.Collections.ByID(ctx, id)
}

// RevealPhone gives support a student's full phone number to confirm who is calling.
// The reason is in the trail before the number leaves: no trail, no number.
func (u *Support) RevealPhone(ctx context.Context, who audit.Actor, collectionID, reason string) (string, error) {
	c, err := u.collection(ctx, who, collectionID)
	if err != nil {
		return "", err
	}
	if reason, err = requireReason(reason); err != nil {
		return "", err
	}
	if c.Phone == "" {
		return "", review.ErrNoPhone
	}
	if err := u.d.Trail.Record(ctx, who, audit.ActionPhoneReveal, c.ID, map[string]any{"reason": reason, "student_no": c.StudentNo}); err != nil {
		return "", err
	}
	return c.Phone, nil
}

// ResendResult queues the SMS of the student's latest review result again; queued and
// audited in one transaction.
func (u *Support) ResendResult(ctx context.Context, who audit.Actor, collectionID string) (*review.Task, error) {
	c, err := u.collection(ctx, who, collectionID)
	if err != nil {
		return nil, err
	}
	var t *review.Task
	err = db.Tx(ctx, u.d.DB, func(ctx context.Context) error {
		tag := strconv.FormatInt(u.d.Now().UnixMilli(), 10)
		if t, err = u.d.Reviews.ResendResult(ctx, c.ID, tag); err != nil {
			return err
		}
		return u.d.Trail.Record(ctx, who, audit.ActionResultResend, c.ID, map[string]any{"task_id": t.ID, "result": t.Status, "round": t.Round})
	})
	if err != nil {
		return nil, apperr.As(err)
	}
	return t, nil
}

// Unbind frees the student's roster entry from the WeChat account it is bound to: that
// account loses the collection at once, and the next account to verify as the student
// takes it over. Unbound and audited (with the old account) in one transaction.
func (u *Support) Unbind(ctx context.Context, who audit.Actor, collectionID, reason string) error {
	if _, err := u.collection(ctx, who, collectionID); err != nil {
		return err
	}
	reason, err := requireReason(reason)
	if err != nil {
		return err
	}
	return db.Tx(ctx, u.d.DB, func(ctx context.Context) error {
		before, err := u.d.Collections.Unbind(ctx, collectionID)
		if err != nil {
			return err
		}
		return u.d.Trail.Record(ctx, who, audit.ActionUnbind, collectionID, map[string]any{
			"reason": reason, "user_id": before.UserID, "student_no": before.StudentNo, "school_id": before.SchoolID})
	})
}

// Why a student is on the call-back list.
const (
	CallbackRejectedTwice = "rejected_twice" // the photo was rejected two or more times
	CallbackCHSIFailed    = "chsi_failed"    // 学信网's comparison failed
	CallbackRefundStuck   = "refund_stuck"   // the money has not gone back
)

// maxCallbacks bounds each part of the list.
const maxCallbacks = 200

// Callback is one student support should call.
type Callback struct {
	Reason     string
	Collection *CollectionView
	Rounds     int            // rejected rounds (rejected_twice)
	Order      *payment.Order // the stuck refund's order (refund_stuck)
}

// Callbacks lists the students support should call: photos rejected twice or more
// (and still rejected), failed 学信网 comparisons, refunds that did not complete.
// Viewing the list is audited like a look-up.
func (u *Support) Callbacks(ctx context.Context, who audit.Actor) ([]Callback, error) {
	if err := requireRole(who, auth.RoleSupport); err != nil {
		return nil, err
	}
	out := []Callback{}
	add := func(reason string, c *collection.Collection, cb Callback) error {
		v, err := view(ctx, u.d, c)
		if err != nil {
			return err
		}
		cb.Reason, cb.Collection = reason, v
		out = append(out, cb)
		return nil
	}
	rounds, err := u.d.Reviews.RejectedRounds(ctx, 2, maxCallbacks)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(rounds))
	for id := range rounds {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		return rounds[ids[i]] > rounds[ids[j]] || rounds[ids[i]] == rounds[ids[j]] && ids[i] < ids[j]
	})
	for _, id := range ids {
		c, err := u.d.Collections.ByID(ctx, id)
		if err != nil {
			return nil, err
		}
		if c.Status != collection.StatusRejected {
			continue // a new photo is waiting for review or was approved: no call needed
		}
		if err := add(CallbackRejectedTwice, c, Callback{Rounds: rounds[id]}); err != nil {
			return nil, err
		}
	}
	failed, err := u.d.Collections.WithStatus(ctx, collection.StatusCHSIFailed, maxCallbacks)
	if err != nil {
		return nil, err
	}
	for i := range failed {
		if err := add(CallbackCHSIFailed, &failed[i], Callback{}); err != nil {
			return nil, err
		}
	}
	stuck, err := u.d.Payments.StuckRefunds(ctx, maxCallbacks)
	if err != nil {
		return nil, err
	}
	for i := range stuck {
		c, err := u.d.Collections.ByID(ctx, stuck[i].CollectionID)
		if err != nil {
			return nil, err
		}
		if err := add(CallbackRefundStuck, c, Callback{Order: &stuck[i]}); err != nil {
			return nil, err
		}
	}
	if err := u.d.Trail.Record(ctx, who, audit.ActionLookup, "callbacks", map[string]any{"found": len(out)}); err != nil {
		return nil, err
	}
	return out, nil
}
