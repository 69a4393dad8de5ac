package review

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/db"
	"github.com/gradphoto/gradphoto/internal/notify"
)

// Service runs the review queue.
type Service struct {
	g    *gorm.DB
	cols Collections
	n    Notifier
	cfg  Config
	now  func() time.Time
	log  *slog.Logger
}

// NewService builds the review service.
func NewService(g *gorm.DB, cols Collections, n Notifier, cfg Config, now func() time.Time, log *slog.Logger) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{g: g, cols: cols, n: n, cfg: cfg.withDefaults(), now: now, log: log}
}

// clock returns now as the database stores it (UTC, milliseconds).
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// studentZone is the time zone of the dates students read (China has no DST).
var studentZone = time.FixedZone("CST", 8*3600)

func (s *Service) audit(ctx context.Context, t *Task, actor, action string, detail map[string]any, at time.Time) error {
	b, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	e := AuditEntry{TaskID: t.ID, CollectionID: t.CollectionID, Actor: actor, Action: action, Detail: string(b), CreatedAt: at}
	if err := db.Conn(ctx, s.g).Create(&e).Error; err != nil {
		return apperr.Internal(fmt.Errorf("review: audit: %w", err))
	}
	return nil
}

// Enqueue opens a review of collectionID, paid (or re-uploaded) at paidAt; the deadline is
// paidAt + SLA. It is idempotent: while the latest round is pending nothing happens;
// after a rejection, a refund's cancellation or an approval that 学信网 then refused
// (callers enqueue only a collection they just moved into in_review) it opens the next
// round, with no new payment.
func (s *Service) Enqueue(ctx context.Context, collectionID string, paidAt time.Time) error {
	now := s.clock()
	return db.Tx(ctx, s.g, func(ctx context.Context) error {
		last, err := s.latest(ctx, collectionID)
		if err != nil {
			return err
		}
		if last != nil && last.Status == StatusPending {
			return nil
		}
		subj, err := s.cols.ReviewSubject(ctx, collectionID)
		if err != nil {
			return fmt.Errorf("review: enqueue %s: %w", collectionID, err)
		}
		t := Task{CollectionID: collectionID, Round: 1, SchoolID: subj.SchoolID, Status: StatusPending,
			PaidAt: paidAt.UTC().Truncate(time.Millisecond), Reasons: []string{}, CreatedAt: now, UpdatedAt: now}
		t.Deadline = t.PaidAt.Add(s.cfg.SLA)
		if last != nil {
			t.Round = last.Round + 1
		}
		res := db.Conn(ctx, s.g).Clauses(clause.OnConflict{DoNothing: true}).Create(&t)
		if res.Error != nil && !db.IsDuplicate(res.Error) {
			return apperr.Internal(fmt.Errorf("review: enqueue: %w", res.Error))
		}
		if res.Error != nil || res.RowsAffected == 0 || t.ID == 0 {
			return nil // a concurrent Enqueue opened this round
		}
		return s.audit(ctx, &t, "system", "enqueue", map[string]any{"round": t.Round, "deadline": t.Deadline}, now)
	})
}

func (s *Service) latest(ctx context.Context, collectionID string) (*Task, error) {
	var ts []Task
	err := db.Conn(ctx, s.g).Where("collection_id = ?", collectionID).Order("round DESC").Limit(1).Find(&ts).Error
	if err != nil {
		return nil, apperr.Internal(fmt.Errorf("review: latest: %w", err))
	}
	if len(ts) == 0 {
		return nil, nil
	}
	return &ts[0], nil
}

// Cancel takes a collection's open task out of the queue (its order is being
// refunded). A decided task is left as it is. Runs inside the caller's transaction.
func (s *Service) Cancel(ctx context.Context, collectionID string) error {
	now := s.clock()
	return db.Tx(ctx, s.g, func(ctx context.Context) error {
		var open []Task
		if err := db.ForUpdate(db.Conn(ctx, s.g).Where("collection_id = ? AND status = ?", collectionID, StatusPending)).Find(&open).Error; err != nil {
			return apperr.Internal(fmt.Errorf("review: cancel: %w", err))
		}
		for i := range open {
			t := &open[i]
			if err := db.Conn(ctx, s.g).Model(&Task{}).Where("id = ? AND status = ?", t.ID, StatusPending).
				Updates(map[string]any{"status": StatusCancelled, "lease_expires_at": nil, "updated_at": now}).Error; err != nil {
				return apperr.Internal(fmt.Errorf("review: cancel: %w", err))
			}
			if err := s.audit(ctx, t, "system", "cancel", map[string]any{"reason": "refund"}, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// LatestForCollection returns the latest round of a collection's review, or nil when it
// was never queued.
func (s *Service) LatestForCollection(ctx context.Context, collectionID string) (*Task, error) {
	return s.latest(ctx, collectionID)
}

// Claim hands the reviewer the oldest pending task nobody holds (or whose lease
// expired), leased for Config.Lease; a reviewer who still holds a claim gets it back
// rather than a second one. A task the reviewer released within the last lease period
// comes only when no other is free. It returns nil, nil when the queue is empty.
func (s *Service) Claim(ctx context.Context, reviewer string) (*Claim, error) {
	if strings.TrimSpace(reviewer) == "" {
		return nil, ErrReviewerMissing
	}
	now := s.clock()
	lease := now.Add(s.cfg.Lease)
	var out *Claim
	err := db.Tx(ctx, s.g, func(ctx context.Context) error {
		var held []Task
		if err := db.Conn(ctx, s.g).Where("status = ? AND claimed_by = ? AND lease_expires_at > ?", StatusPending, reviewer, now).
			Order("id").Limit(1).Find(&held).Error; err != nil {
			return apperr.Internal(fmt.Errorf("review: claim: %w", err))
		}
		var t Task
		if len(held) == 1 {
			t = held[0]
		} else {
			free, err := s.nextFree(ctx, reviewer, now, true)
			if err == nil && len(free) == 0 {
				free, err = s.nextFree(ctx, reviewer, now, false)
			}
			if err != nil {
				return err
			}
			if len(free) == 0 {
				return nil
			}
			t = free[0]
			previous := t.ClaimedBy
			res := db.Conn(ctx, s.g).Model(&Task{}).
				Where("id = ? AND status = ? AND (lease_expires_at IS NULL OR lease_expires_at <= ?)", t.ID, StatusPending, now).
				Updates(map[string]any{"claimed_by": reviewer, "claimed_at": now, "lease_expires_at": lease, "updated_at": now})
			if res.Error != nil {
				return apperr.Internal(fmt.Errorf("review: claim: %w", res.Error))
			}
			if res.RowsAffected != 1 {
				// Unreachable with SKIP LOCKED (MySQL) or the write lock (SQLite); never hand out a task twice.
				return apperr.Internal(fmt.Errorf("review: claim of task %d lost a race", t.ID))
			}
			t.ClaimedBy, t.ClaimedAt, t.LeaseExpiresAt, t.UpdatedAt = reviewer, &now, &lease, now
			detail := map[string]any{"lease_expires_at": lease}
			if previous != "" {
				detail["previous_claim_expired"] = previous
			}
			// The claim shows the student's photo: api.md wants every photo view audited.
			if err := s.audit(ctx, &t, reviewer, "claim", detail, now); err != nil {
				return err
			}
		}
		subj, err := s.cols.ReviewSubject(ctx, t.CollectionID)
		if err != nil {
			return fmt.Errorf("review: claim: subject of %s: %w", t.CollectionID, err)
		}
		out = &Claim{Task: t, Subject: subj}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// nextFree returns, locked, the oldest pending task nobody holds; skipReleased leaves out
// the tasks reviewer released within the last lease period (the audit trail tells them).
func (s *Service) nextFree(ctx context.Context, reviewer string, now time.Time, skipReleased bool) ([]Task, error) {
	q := db.Conn(ctx, s.g).Where("status = ? AND (lease_expires_at IS NULL OR lease_expires_at <= ?)", StatusPending, now)
	if skipReleased {
		q = q.Where("NOT EXISTS (SELECT 1 FROM review_audit a WHERE a.task_id = review_tasks.id AND a.actor = ? AND a.action = ? AND a.created_at > ?)",
			reviewer, actionRelease, now.Add(-s.cfg.Lease))
	}
	var free []Task
	if err := db.SkipLocked(q.Order("id").Limit(1)).Find(&free).Error; err != nil {
		return nil, apperr.Internal(fmt.Errorf("review: claim: %w", err))
	}
	return free, nil
}

// actionRelease is the audit action of Release, which Claim looks for.
const actionRelease = "release"

// held tells whether reviewer may still act on t: pending, claimed by them, lease running.
func held(t *Task, reviewer string, now time.Time) error {
	switch {
	case t.Status != StatusPending:
		return ErrAlreadyDecided
	case t.ClaimedBy != reviewer:
		return ErrNotYourClaim
	case t.LeaseExpiresAt == nil || !t.LeaseExpiresAt.After(now):
		return ErrLeaseExpired
	}
	return nil
}

// Release hands the claimant's task back to the queue at once, undecided (a hard case
// for a colleague). Only the claimant may, while the lease holds.
func (s *Service) Release(ctx context.Context, reviewer string, taskID int64) error {
	if strings.TrimSpace(reviewer) == "" {
		return ErrReviewerMissing
	}
	now := s.clock()
	return db.Tx(ctx, s.g, func(ctx context.Context) error {
		var t Task
		if err := db.ForUpdate(db.Conn(ctx, s.g).Where("id = ?", taskID)).Take(&t).Error; err != nil {
			if db.IsNotFound(err) {
				return ErrTaskNotFound
			}
			return apperr.Internal(fmt.Errorf("review: release: %w", err))
		}
		if err := held(&t, reviewer, now); err != nil {
			return err
		}
		res := db.Conn(ctx, s.g).Model(&Task{}).Where("id = ? AND status = ? AND claimed_by = ?", t.ID, StatusPending, reviewer).
			Updates(map[string]any{"claimed_by": "", "claimed_at": nil, "lease_expires_at": nil, "updated_at": now})
		if res.Error != nil {
			return apperr.Internal(fmt.Errorf("review: release: %w", res.Error))
		}
		if res.RowsAffected != 1 {
			return ErrNotYourClaim
		}
		return s.audit(ctx, &t, reviewer, actionRelease, map[string]any{"round": t.Round}, now)
	})
}

// Decide records the claimant's final decision on taskID while the lease holds, moves the
// collection to approved or rejected, and queues the student's notifications, all in one
// transaction.
func (s *Service) Decide(ctx context.Context, reviewer string, taskID int64, d Decision) (*Task, error) {
	if strings.TrimSpace(reviewer) == "" {
		return nil, ErrReviewerMissing
	}
	reasons, note, err := d.normalise()
	if err != nil {
		return nil, err
	}
	now := s.clock()
	var out Task
	err = db.Tx(ctx, s.g, func(ctx context.Context) error {
		var t Task
		// The collection first (a refund locks it first too), then the task.
		if err := db.Conn(ctx, s.g).Select("collection_id").Where("id = ?", taskID).Take(&t).Error; err != nil {
			if db.IsNotFound(err) {
				return ErrTaskNotFound
			}
			return apperr.Internal(fmt.Errorf("review: decide: %w", err))
		}
		colStatus, err := s.cols.LockForDecision(ctx, t.CollectionID)
		if err != nil {
			return err
		}
		if err := db.ForUpdate(db.Conn(ctx, s.g).Where("id = ?", taskID)).Take(&t).Error; err != nil {
			return apperr.Internal(fmt.Errorf("review: decide: %w", err))
		}
		if err := held(&t, reviewer, now); err != nil {
			if errors.Is(err, ErrAlreadyDecided) {
				// Decided, or cancelled by a refund that committed first: say what stands.
				return ErrAlreadyDecided.WithDetails(map[string]any{"review_status": t.Status, "collection_status": colStatus})
			}
			return err
		}
		status := StatusApproved
		if d.Outcome == Reject {
			status = StatusRejected
		}
		res := db.Conn(ctx, s.g).Model(&Task{}).Where("id = ? AND status = ?", t.ID, StatusPending).
			Updates(map[string]any{"status": status, "decided_by": reviewer, "decided_at": now,
				"reasons": mustJSON(reasons), "note": note, "lease_expires_at": nil, "updated_at": now})
		if res.Error != nil {
			return apperr.Internal(fmt.Errorf("review: decide: %w", res.Error))
		}
		if res.RowsAffected != 1 {
			return ErrAlreadyDecided
		}
		t.Status, t.DecidedBy, t.DecidedAt, t.Reasons, t.Note, t.LeaseExpiresAt, t.UpdatedAt =
			status, reviewer, &now, reasons, note, nil, now

		if status == StatusApproved {
			err = s.cols.MarkApproved(ctx, t.CollectionID, now)
		} else {
			err = s.cols.MarkRejected(ctx, t.CollectionID, reasons, now)
		}
		if err != nil {
			return fmt.Errorf("review: decide: collection %s: %w", t.CollectionID, err)
		}
		if err := s.audit(ctx, &t, reviewer, d.Outcome, map[string]any{"reasons": reasons, "note": note, "round": t.Round}, now); err != nil {
			return err
		}
		if err := s.notify(ctx, &t); err != nil {
			return err
		}
		out = t
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "review decided", "task_id", out.ID, "collection_id", out.CollectionID,
		"status", out.Status, "reviewer", reviewer, "round", out.Round)
	return &out, nil
}

// notify queues the result for the student: an SMS, and a subscribe message when an
// acceptance of the result's template is left (each is used up by one message).
func (s *Service) notify(ctx context.Context, t *Task) error {
	subj, err := s.cols.ReviewSubject(ctx, t.CollectionID)
	if err != nil {
		return fmt.Errorf("review: notify: subject of %s: %w", t.CollectionID, err)
	}
	tmpl, params := resultContent(t, subj)
	key := "review:" + strconv.FormatInt(t.ID, 10) + ":"
	var msgs []notify.Message
	if subj.Phone != "" {
		msgs = append(msgs, notify.Message{IdempotencyKey: key + notify.ChannelSMS, Channel: notify.ChannelSMS,
			Recipient: subj.Phone, Template: tmpl, Params: params, CollectionID: t.CollectionID})
	}
	if subj.OpenID != "" {
		used, err := s.cols.UseSubscription(ctx, t.CollectionID, tmpl, key+notify.ChannelSubscribe)
		if err != nil {
			return fmt.Errorf("review: notify: subscription of %s: %w", t.CollectionID, err)
		}
		if used {
			msgs = append(msgs, notify.Message{IdempotencyKey: key + notify.ChannelSubscribe, Channel: notify.ChannelSubscribe,
				Recipient: subj.OpenID, Template: tmpl, Params: params, CollectionID: t.CollectionID})
		}
	}
	for _, m := range msgs {
		if err := s.n.Enqueue(ctx, m); err != nil {
			return apperr.Internal(fmt.Errorf("review: notify: %w", err))
		}
	}
	return nil
}

// resultContent is the template and parameters of a decided task's result message.
func resultContent(t *Task, subj Subject) (string, map[string]string) {
	tmpl := notify.TemplateReviewApproved
	params := map[string]string{notify.ParamSchool: subj.SchoolName,
		notify.ParamTime: t.DecidedAt.In(studentZone).Format(notify.TimeLayout)}
	if t.Status == StatusRejected {
		tmpl = notify.TemplateReviewRejected
		params[notify.ParamReasons] = smsReasons(t.Reasons, t.Note)
	}
	return tmpl, params
}

// Errors of ResendResult.
var (
	ErrNoResult = apperr.Conflict("no_review_result", "该学生还没有审核结果，无短信可重发")
	ErrNoPhone  = apperr.Conflict("no_phone", "该学生没有可用的手机号")
)

// ResendResult queues the SMS of a collection's latest decision again (support), as a
// new message keyed by tag; it returns the decided task.
func (s *Service) ResendResult(ctx context.Context, collectionID, tag string) (*Task, error) {
	var ts []Task
	if err := db.Conn(ctx, s.g).Where("collection_id = ? AND status IN ?", collectionID, []string{StatusApproved, StatusRejected}).
		Order("round DESC").Limit(1).Find(&ts).Error; err != nil {
		return nil, apperr.Internal(fmt.Errorf("review: resend: %w", err))
	}
	if len(ts) == 0 || ts[0].DecidedAt == nil {
		return nil, ErrNoResult
	}
	t := &ts[0]
	subj, err := s.cols.ReviewSubject(ctx, collectionID)
	if err != nil {
		return nil, err
	}
	if subj.Phone == "" {
		return nil, ErrNoPhone
	}
	tmpl, params := resultContent(t, subj)
	m := notify.Message{IdempotencyKey: "review:" + strconv.FormatInt(t.ID, 10) + ":sms:resend:" + tag, Channel: notify.ChannelSMS,
		Recipient: subj.Phone, Template: tmpl, Params: params, CollectionID: collectionID}
	if err := s.n.Enqueue(ctx, m); err != nil {
		return nil, apperr.Internal(fmt.Errorf("review: resend: %w", err))
	}
	return t, nil
}

// RejectedRounds counts, per collection with at least min rejections, how many rounds
// were rejected (support's call-back list); at most limit collections, most first.
func (s *Service) RejectedRounds(ctx context.Context, min, limit int) (map[string]int, error) {
	var rows []struct {
		CollectionID string
		N            int
	}
	if err := db.Conn(ctx, s.g).Model(&Task{}).Select("collection_id, COUNT(*) AS n").Where("status = ?", StatusRejected).
		Group("collection_id").Having("COUNT(*) >= ?", min).Order("n DESC").Limit(limit).Scan(&rows).Error; err != nil {
		return nil, apperr.Internal(fmt.Errorf("review: rejected rounds: %w", err))
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.CollectionID] = r.N
	}
	return out, nil
}

func mustJSON(v []string) string {
	b, _ := json.Marshal(v) // a []string always marshals
	return string(b)
}

// OverdueCount counts pending reviews past their deadline, of one school or of all
// (schoolID empty).
func (s *Service) OverdueCount(ctx context.Context, schoolID string) (int64, error) {
	q := db.Conn(ctx, s.g).Model(&Task{}).Where("status = ? AND deadline < ?", StatusPending, s.clock())
	if schoolID != "" {
		q = q.Where("school_id = ?", schoolID)
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		return 0, apperr.Internal(fmt.Errorf("review: overdue count: %w", err))
	}
	return n, nil
}

// SweepOverdue logs, once each, the pending reviews that passed their deadline since the
// last sweep, and returns how many. Several instances may sweep: the conditional update
// decides which one logs.
func (s *Service) SweepOverdue(ctx context.Context) (int, error) {
	now := s.clock()
	var ts []Task
	if err := db.Conn(ctx, s.g).Where("status = ? AND deadline < ? AND overdue_logged_at IS NULL", StatusPending, now).
		Order("deadline").Limit(500).Find(&ts).Error; err != nil {
		return 0, apperr.Internal(fmt.Errorf("review: sweep: %w", err))
	}
	n := 0
	for _, t := range ts {
		res := db.Conn(ctx, s.g).Model(&Task{}).Where("id = ? AND overdue_logged_at IS NULL", t.ID).
			Update("overdue_logged_at", now)
		if res.Error != nil {
			return n, apperr.Internal(fmt.Errorf("review: sweep: %w", res.Error))
		}
		if res.RowsAffected == 1 {
			n++
			s.log.WarnContext(ctx, "review overdue", "task_id", t.ID, "collection_id", t.CollectionID,
				"school_id", t.SchoolID, "deadline", t.Deadline, "overdue_by", now.Sub(t.Deadline).Round(time.Minute).String())
		}
	}
	return n, nil
}

// Run sweeps overdue reviews every interval until ctx ends.
func (s *Service) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.SweepOverdue(ctx); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "review overdue sweep", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// PhotoSubject returns the subject of a task so that its claimant can view the photo
// while the lease holds; each view is audited.
func (s *Service) PhotoSubject(ctx context.Context, reviewer string, taskID int64) (*Subject, error) {
	now := s.clock()
	var t Task
	if err := db.Conn(ctx, s.g).Where("id = ?", taskID).Take(&t).Error; err != nil {
		if db.IsNotFound(err) {
			return nil, ErrTaskNotFound
		}
		return nil, apperr.Internal(fmt.Errorf("review: photo: %w", err))
	}
	if err := held(&t, reviewer, now); err != nil {
		return nil, err
	}
	subj, err := s.cols.ReviewSubject(ctx, t.CollectionID)
	if err != nil {
		return nil, fmt.Errorf("review: photo: subject of %s: %w", t.CollectionID, err)
	}
	if err := s.audit(ctx, &t, reviewer, "view_photo", map[string]any{}, now); err != nil {
		return nil, err
	}
	return &subj, nil
}
