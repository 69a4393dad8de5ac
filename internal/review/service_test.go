package review

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/db"
	"github.com/gradphoto/gradphoto/internal/notify"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type markCall struct {
	ID      string
	Status  string
	Reasons []string
	At      time.Time
}

// fakeCollections serves subjects and records the state changes review asks for.
type fakeCollections struct {
	mu       sync.Mutex
	subjects map[string]Subject
	accepted map[string]int // collection + template → acceptances left
	marks    []markCall
	failMark error
}

func (f *fakeCollections) add(s Subject) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.subjects == nil {
		f.subjects = map[string]Subject{}
	}
	f.subjects[s.CollectionID] = s
}

func (f *fakeCollections) ReviewSubject(_ context.Context, id string) (Subject, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.subjects[id]
	if !ok {
		return Subject{}, apperr.ErrNotFound
	}
	return s, nil
}

func (f *fakeCollections) mark(id, status string, reasons []string, at time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failMark != nil {
		return f.failMark
	}
	f.marks = append(f.marks, markCall{id, status, reasons, at})
	return nil
}

func (f *fakeCollections) LockForDecision(ctx context.Context, id string) (string, error) {
	if !db.InTx(ctx) {
		return "", errors.New("LockForDecision outside a transaction")
	}
	return "in_review", nil
}

func (f *fakeCollections) MarkApproved(_ context.Context, id string, at time.Time) error {
	return f.mark(id, StatusApproved, nil, at)
}

func (f *fakeCollections) MarkRejected(_ context.Context, id string, reasons []string, at time.Time) error {
	return f.mark(id, StatusRejected, reasons, at)
}

func (f *fakeCollections) accept(id, template string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.accepted == nil {
		f.accepted = map[string]int{}
	}
	f.accepted[id+"/"+template]++
}

func (f *fakeCollections) UseSubscription(_ context.Context, id, template, _ string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.accepted[id+"/"+template] == 0 {
		return false, nil
	}
	f.accepted[id+"/"+template]--
	return true, nil
}

func (f *fakeCollections) calls() []markCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.marks)
}

type fixture struct {
	svc    *Service
	cols   *fakeCollections
	outbox *notify.Outbox
	clock  *fakeClock
	logs   *bytes.Buffer
}

var t0 = time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)

func newFixture(g *gorm.DB) *fixture {
	clk := &fakeClock{t: t0}
	cols := &fakeCollections{}
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewTextHandler(&syncWriter{w: logs}, nil))
	senders := map[string]notify.Sender{notify.ChannelSMS: notify.NewLogSender(log), notify.ChannelSubscribe: notify.NewLogSender(log)}
	ob := notify.NewOutbox(g, senders, notify.Config{}, clk.Now, log)
	svc := NewService(g, cols, ob, Config{Lease: 10 * time.Minute, SLA: 48 * time.Hour}, clk.Now, log)
	return &fixture{svc: svc, cols: cols, outbox: ob, clock: clk, logs: logs}
}

type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// seed registers a collection and queues it for review.
func (f *fixture) seed(t *testing.T, id, school string, paid time.Time) {
	t.Helper()
	f.cols.add(Subject{CollectionID: id, SchoolID: school, SchoolName: "中国石油大学", Level: "本科", Name: "张三",
		StudentNo: "2019" + id, PhotoKey: "photos/" + id + ".jpg", Checks: []byte(`[{"id":"background_blue","passed":true,"value":0.95}]`),
		Phone: "13800001234", OpenID: "sandbox-" + id})
	if strings.HasSuffix(id, "_sub") {
		f.cols.accept(id, notify.TemplateReviewApproved)
		f.cols.accept(id, notify.TemplateReviewRejected)
	}
	if err := f.svc.Enqueue(context.Background(), id, paid); err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want %v", err, want)
	}
}

func TestReview(t *testing.T) {
	eachDB(t, func(t *testing.T, g *gorm.DB) {
		ctx := context.Background()

		t.Run("a refund cancels the open task; paying again opens the next round", func(t *testing.T) {
			f := newFixture(g)
			drain(t, f)
			f.seed(t, "c_cancel", "s1", t0)
			claim := mustClaim(t, f, "r1")
			if err := f.svc.Cancel(ctx, "c_cancel"); err != nil {
				t.Fatal(err)
			}
			if c, err := f.svc.Claim(ctx, "r2"); err != nil || c != nil {
				t.Fatalf("a cancelled task was handed out: %+v %v", c, err)
			}
			_, err := f.svc.Decide(ctx, "r1", claim.Task.ID, Decision{Outcome: Approve})
			wantErr(t, err, ErrAlreadyDecided)
			if err := f.svc.Enqueue(ctx, "c_cancel", t0.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			if task, _ := f.svc.LatestForCollection(ctx, "c_cancel"); task == nil || task.Round != 2 || task.Status != StatusPending {
				t.Fatalf("after paying again: %+v", task)
			}
			drain(t, f)
		})

		t.Run("enqueue is idempotent per round and sets the SLA deadline", func(t *testing.T) {
			f := newFixture(g)
			paid := t0.Add(-time.Hour)
			f.seed(t, "c_enq", "s1", paid)
			if err := f.svc.Enqueue(ctx, "c_enq", paid.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			task, err := f.svc.LatestForCollection(ctx, "c_enq")
			if err != nil || task == nil {
				t.Fatalf("latest = %v, %v", task, err)
			}
			if task.Round != 1 || task.Status != StatusPending || !task.Deadline.Equal(paid.Add(48*time.Hour)) || task.SchoolID != "s1" {
				t.Fatalf("task = %+v", task)
			}
			none, err := f.svc.LatestForCollection(ctx, "c_never")
			if err != nil || none != nil {
				t.Fatalf("never queued: %v, %v", none, err)
			}
			// Reject, then the re-upload queues round 2 without a payment.
			c := mustClaim(t, f, "rev-enq")
			if _, err := f.svc.Decide(ctx, "rev-enq", c.Task.ID, Decision{Outcome: Reject, Reasons: []string{"双耳外露"}}); err != nil {
				t.Fatal(err)
			}
			reupload := t0.Add(time.Hour)
			for range 2 {
				if err := f.svc.Enqueue(ctx, "c_enq", reupload); err != nil {
					t.Fatal(err)
				}
			}
			task, _ = f.svc.LatestForCollection(ctx, "c_enq")
			if task.Round != 2 || task.Status != StatusPending || !task.Deadline.Equal(reupload.Add(48*time.Hour)) {
				t.Fatalf("round 2 = %+v", task)
			}
			// Approved, then refused by 学信网: the student's new photo opens round 3.
			c2 := mustClaim(t, f, "rev-enq-2")
			if _, err := f.svc.Decide(ctx, "rev-enq-2", c2.Task.ID, Decision{Outcome: Approve}); err != nil {
				t.Fatal(err)
			}
			for range 2 {
				if err := f.svc.Enqueue(ctx, "c_enq", reupload.Add(time.Hour)); err != nil {
					t.Fatal(err)
				}
			}
			if task, _ = f.svc.LatestForCollection(ctx, "c_enq"); task.Round != 3 || task.Status != StatusPending {
				t.Fatalf("after 学信网's refusal = %+v", task)
			}
			mustClaim(t, f, "rev-enq-3") // drain the queue for the following subtests
			drain(t, f)
		})

		t.Run("claim hands out the oldest task with its subject, and a held claim again", func(t *testing.T) {
			f := newFixture(g)
			f.seed(t, "c_old", "s1", t0.Add(-3*time.Hour))
			f.seed(t, "c_new", "s1", t0.Add(-2*time.Hour))
			a := mustClaim(t, f, "rev-a")
			if a.Task.CollectionID != "c_old" || a.Subject.PhotoKey != "photos/c_old.jpg" || len(a.Subject.Checks) == 0 ||
				a.Task.LeaseExpiresAt == nil || !a.Task.LeaseExpiresAt.Equal(t0.Add(10*time.Minute)) {
				t.Fatalf("claim = %+v", a)
			}
			if subj, err := f.svc.PhotoSubject(ctx, "rev-a", a.Task.ID); err != nil || subj.PhotoKey != "photos/c_old.jpg" {
				t.Fatalf("PhotoSubject = %+v, %v", subj, err)
			}
			_, err := f.svc.PhotoSubject(ctx, "rev-b", a.Task.ID)
			wantErr(t, err, ErrNotYourClaim)
			again := mustClaim(t, f, "rev-a")
			if again.Task.ID != a.Task.ID {
				t.Fatalf("re-claim gave task %d, want held task %d", again.Task.ID, a.Task.ID)
			}
			b := mustClaim(t, f, "rev-b")
			if b.Task.CollectionID != "c_new" {
				t.Fatalf("second reviewer got %s", b.Task.CollectionID)
			}
			none, err := f.svc.Claim(ctx, "rev-c")
			if err != nil || none != nil {
				t.Fatalf("empty queue: %+v, %v", none, err)
			}
			drain(t, f)
		})

		t.Run("an expired lease returns the task to the queue", func(t *testing.T) {
			f := newFixture(g)
			f.seed(t, "c_lease", "s1", t0)
			a := mustClaim(t, f, "rev-a")
			f.clock.Advance(9 * time.Minute)
			if c, _ := f.svc.Claim(ctx, "rev-b"); c != nil {
				t.Fatalf("task handed out while leased: %+v", c)
			}
			f.clock.Advance(2 * time.Minute)
			_, err := f.svc.Decide(ctx, "rev-a", a.Task.ID, Decision{Outcome: Approve})
			wantErr(t, err, ErrLeaseExpired)
			b := mustClaim(t, f, "rev-b")
			if b.Task.ID != a.Task.ID {
				t.Fatalf("rev-b got %d, want the expired task %d", b.Task.ID, a.Task.ID)
			}
			_, err = f.svc.Decide(ctx, "rev-a", a.Task.ID, Decision{Outcome: Approve})
			wantErr(t, err, ErrNotYourClaim)
			if _, err := f.svc.Decide(ctx, "rev-b", b.Task.ID, Decision{Outcome: Approve}); err != nil {
				t.Fatal(err)
			}
		})

		t.Run("release hands the task back; its releaser gets another while one is free", func(t *testing.T) {
			f := newFixture(g)
			drain(t, f)
			f.seed(t, "c_rel_a", "s1", t0.Add(-2*time.Hour))
			f.seed(t, "c_rel_b", "s1", t0.Add(-time.Hour))
			a := mustClaim(t, f, "rev-a")
			if a.Task.CollectionID != "c_rel_a" {
				t.Fatalf("first claim = %s", a.Task.CollectionID)
			}
			refusals := []struct {
				name     string
				reviewer string
				task     int64
				want     *apperr.Error
			}{
				{"unknown task", "rev-a", 999999, ErrTaskNotFound},
				{"not the claimant", "rev-b", a.Task.ID, ErrNotYourClaim},
				{"no reviewer", " ", a.Task.ID, ErrReviewerMissing},
			}
			for _, tc := range refusals {
				t.Run(tc.name, func(t *testing.T) {
					wantErr(t, f.svc.Release(ctx, tc.reviewer, tc.task), tc.want)
				})
			}
			if err := f.svc.Release(ctx, "rev-a", a.Task.ID); err != nil {
				t.Fatal(err)
			}
			stored, _ := f.svc.LatestForCollection(ctx, "c_rel_a")
			if stored.Status != StatusPending || stored.ClaimedBy != "" || stored.ClaimedAt != nil || stored.LeaseExpiresAt != nil {
				t.Fatalf("released task = %+v", stored)
			}
			wantErr(t, f.svc.Release(ctx, "rev-a", a.Task.ID), ErrNotYourClaim)
			_, err := f.svc.Decide(ctx, "rev-a", a.Task.ID, Decision{Outcome: Approve})
			wantErr(t, err, ErrNotYourClaim)

			if next := mustClaim(t, f, "rev-a"); next.Task.CollectionID != "c_rel_b" {
				t.Fatalf("the releaser got %s back, want c_rel_b", next.Task.CollectionID)
			}
			b := mustClaim(t, f, "rev-b") // free at once, before the old lease would have run out
			if b.Task.ID != a.Task.ID {
				t.Fatalf("rev-b got %s, want the released task", b.Task.CollectionID)
			}
			if _, err := f.svc.Decide(ctx, "rev-b", b.Task.ID, Decision{Outcome: Approve}); err != nil {
				t.Fatal(err)
			}
			wantErr(t, f.svc.Release(ctx, "rev-b", b.Task.ID), ErrAlreadyDecided)

			// With nothing else free, the released task comes back to its releaser.
			held := mustClaim(t, f, "rev-a")
			if err := f.svc.Release(ctx, "rev-a", held.Task.ID); err != nil {
				t.Fatal(err)
			}
			if again := mustClaim(t, f, "rev-a"); again.Task.ID != held.Task.ID {
				t.Fatalf("only free task: got %d, want %d", again.Task.ID, held.Task.ID)
			}
			f.clock.Advance(11 * time.Minute)
			wantErr(t, f.svc.Release(ctx, "rev-a", held.Task.ID), ErrLeaseExpired)

			var audit []AuditEntry
			g.Where("task_id = ?", a.Task.ID).Order("id").Find(&audit)
			var actions []string
			for _, e := range audit {
				actions = append(actions, e.Actor+":"+e.Action)
			}
			if want := []string{"system:enqueue", "rev-a:claim", "rev-a:release", "rev-b:claim", "rev-b:approve"}; !slices.Equal(actions, want) {
				t.Fatalf("audit = %v, want %v", actions, want)
			}
			drain(t, f)
		})

		t.Run("decision errors", func(t *testing.T) {
			f := newFixture(g)
			f.seed(t, "c_err", "s1", t0)
			c := mustClaim(t, f, "rev-a")
			id := c.Task.ID
			tests := []struct {
				name     string
				reviewer string
				task     int64
				d        Decision
				want     *apperr.Error
				status   apperr.Kind
			}{
				{"unknown task", "rev-a", 999999, Decision{Outcome: Approve}, ErrTaskNotFound, apperr.KindNotFound},
				{"not the claimant", "rev-b", id, Decision{Outcome: Approve}, ErrNotYourClaim, apperr.KindConflict},
				{"bad outcome", "rev-a", id, Decision{Outcome: "maybe"}, ErrBadDecision, apperr.KindInvalid},
				{"reject without reason", "rev-a", id, Decision{Outcome: Reject, Reasons: []string{"  "}}, ErrReasonRequired, apperr.KindInvalid},
				{"approve with reasons", "rev-a", id, Decision{Outcome: Approve, Reasons: []string{"双耳外露"}}, ErrBadDecision, apperr.KindInvalid},
				{"reason too long", "rev-a", id, Decision{Outcome: Reject, Reasons: []string{strings.Repeat("长", 51)}}, ErrBadReason, apperr.KindInvalid},
				{"no reviewer", "", id, Decision{Outcome: Approve}, ErrReviewerMissing, apperr.KindInvalid},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					_, err := f.svc.Decide(ctx, tc.reviewer, tc.task, tc.d)
					wantErr(t, err, tc.want)
					if k := apperr.As(err).Kind; k != tc.status {
						t.Fatalf("kind = %v, want %v", k, tc.status)
					}
				})
			}
			if _, err := f.svc.Decide(ctx, "rev-a", id, Decision{Outcome: Approve}); err != nil {
				t.Fatal(err)
			}
			_, err := f.svc.Decide(ctx, "rev-a", id, Decision{Outcome: Reject, Reasons: []string{"双耳外露"}})
			wantErr(t, err, ErrAlreadyDecided)
			if got := f.cols.calls(); len(got) != 1 || got[0].Status != StatusApproved {
				t.Fatalf("collection marks = %+v, want exactly one approval", got)
			}
		})

		t.Run("reject: collection, audit and notifications in one transaction", func(t *testing.T) {
			f := newFixture(g)
			f.seed(t, "c_rej_sub", "s1", t0)
			c := mustClaim(t, f, "rev-a")
			task, err := f.svc.Decide(ctx, "rev-a", c.Task.ID, Decision{Outcome: Reject, Reasons: []string{"头发遮挡眉毛", "双耳外露", "双耳外露"}, Note: "请重拍"})
			if err != nil {
				t.Fatal(err)
			}
			if task.Status != StatusRejected || task.DecidedBy != "rev-a" || !slices.Equal(task.Reasons, []string{"头发遮挡眉毛", "双耳外露"}) {
				t.Fatalf("task = %+v", task)
			}
			marks := f.cols.calls()
			if len(marks) != 1 || marks[0].Status != StatusRejected || !slices.Equal(marks[0].Reasons, task.Reasons) || !marks[0].At.Equal(t0) {
				t.Fatalf("marks = %+v", marks)
			}
			latest, _ := f.svc.LatestForCollection(ctx, "c_rej_sub")
			if latest.Status != StatusRejected || !slices.Equal(latest.Reasons, task.Reasons) || latest.DecidedAt == nil {
				t.Fatalf("stored task = %+v", latest)
			}
			var audit []AuditEntry
			g.Where("task_id = ?", task.ID).Order("id").Find(&audit)
			var actions []string
			for _, a := range audit {
				actions = append(actions, a.Actor+":"+a.Action)
			}
			if want := []string{"system:enqueue", "rev-a:claim", "rev-a:reject"}; !slices.Equal(actions, want) {
				t.Fatalf("audit = %v, want %v", actions, want)
			}
			recs, err := f.outbox.ForCollection(ctx, "c_rej_sub")
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 2 || recs[0].Channel != notify.ChannelSMS || recs[1].Channel != notify.ChannelSubscribe {
				t.Fatalf("outbox = %+v", recs)
			}
			sms := recs[0]
			for _, want := range []string{"中国石油大学", "审核失败", "头发遮挡眉毛", "请重拍"} {
				if !strings.Contains(sms.Text, want) {
					t.Fatalf("SMS %q lacks %q", sms.Text, want)
				}
			}
			if _, err := f.outbox.ProcessOnce(ctx); err != nil {
				t.Fatal(err)
			}
			recs, _ = f.outbox.ForCollection(ctx, "c_rej_sub")
			for _, r := range recs {
				if r.Status != notify.StatusSent {
					t.Fatalf("%s message %s, want sent", r.Channel, r.Status)
				}
			}
			if strings.Contains(f.logs.String(), "13800001234") {
				t.Fatal("a phone number reached the log")
			}
		})

		t.Run("approve without subscription: SMS only", func(t *testing.T) {
			f := newFixture(g)
			f.seed(t, "c_ok", "s1", t0)
			c := mustClaim(t, f, "rev-a")
			if _, err := f.svc.Decide(ctx, "rev-a", c.Task.ID, Decision{Outcome: Approve}); err != nil {
				t.Fatal(err)
			}
			recs, _ := f.outbox.ForCollection(ctx, "c_ok")
			if len(recs) != 1 || recs[0].Template != notify.TemplateReviewApproved || !strings.Contains(recs[0].Text, "审核成功") {
				t.Fatalf("outbox = %+v", recs)
			}
		})

		t.Run("a failing collection update rolls the decision back", func(t *testing.T) {
			f := newFixture(g)
			f.seed(t, "c_rollback", "s1", t0)
			c := mustClaim(t, f, "rev-a")
			f.cols.failMark = apperr.ErrWrongStep
			_, err := f.svc.Decide(ctx, "rev-a", c.Task.ID, Decision{Outcome: Approve})
			wantErr(t, err, apperr.ErrWrongStep)
			latest, _ := f.svc.LatestForCollection(ctx, "c_rollback")
			if latest.Status != StatusPending || latest.ClaimedBy != "rev-a" {
				t.Fatalf("task after rollback = %+v", latest)
			}
			if recs, _ := f.outbox.ForCollection(ctx, "c_rollback"); len(recs) != 0 {
				t.Fatalf("notifications survived the rollback: %+v", recs)
			}
			f.cols.failMark = nil
			if _, err := f.svc.Decide(ctx, "rev-a", c.Task.ID, Decision{Outcome: Approve}); err != nil {
				t.Fatal(err)
			}
		})

		t.Run("overdue reviews are counted per school and logged once", func(t *testing.T) {
			f := newFixture(g)
			f.seed(t, "c_late1", "s_late", t0.Add(-49*time.Hour))
			f.seed(t, "c_late2", "s_late", t0.Add(-47*time.Hour))
			f.seed(t, "c_late3", "s_other", t0.Add(-50*time.Hour))
			counts := []struct {
				school string
				want   int64
			}{{"s_late", 1}, {"s_other", 1}, {"s_none", 0}}
			for _, tc := range counts {
				if n, err := f.svc.OverdueCount(ctx, tc.school); err != nil || n != tc.want {
					t.Fatalf("OverdueCount(%s) = %d, %v; want %d", tc.school, n, err, tc.want)
				}
			}
			if n, err := f.svc.SweepOverdue(ctx); err != nil || n != 2 {
				t.Fatalf("first sweep = %d, %v; want 2", n, err)
			}
			if n, _ := f.svc.SweepOverdue(ctx); n != 0 {
				t.Fatalf("second sweep logged %d again", n)
			}
			f.clock.Advance(2 * time.Hour)
			if n, _ := f.svc.SweepOverdue(ctx); n != 1 {
				t.Fatalf("sweep after c_late2's deadline = %d, want 1", n)
			}
			if n, _ := f.svc.OverdueCount(ctx, "s_late"); n != 2 {
				t.Fatalf("OverdueCount(s_late) = %d, want 2", n)
			}
			if got := strings.Count(f.logs.String(), "review overdue"); got != 3 {
				t.Fatalf("%d overdue log lines, want 3", got)
			}
			drain(t, f)
		})

		t.Run("concurrent claimers never get the same task", func(t *testing.T) {
			f := newFixture(g)
			const tasks, reviewers = 30, 6
			for i := range tasks {
				f.seed(t, fmt.Sprintf("c_conc_%02d", i), "s1", t0)
			}
			var mu sync.Mutex
			got := map[int64]string{}
			var wg sync.WaitGroup
			errs := make(chan error, reviewers)
			for r := range reviewers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					who := fmt.Sprintf("rev-%d", r)
					for {
						c, err := f.svc.Claim(ctx, who)
						if err != nil {
							errs <- err
							return
						}
						if c == nil {
							return
						}
						mu.Lock()
						if prev, dup := got[c.Task.ID]; dup {
							mu.Unlock()
							errs <- fmt.Errorf("task %d claimed by %s and %s", c.Task.ID, prev, who)
							return
						}
						got[c.Task.ID] = who
						mu.Unlock()
						if _, err := f.svc.Decide(ctx, who, c.Task.ID, Decision{Outcome: Approve}); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			if len(got) != tasks {
				t.Fatalf("%d tasks decided, want %d", len(got), tasks)
			}
		})
	})
}

func mustClaim(t *testing.T, f *fixture, reviewer string) *Claim {
	t.Helper()
	c, err := f.svc.Claim(context.Background(), reviewer)
	if err != nil || c == nil {
		t.Fatalf("Claim(%s) = %+v, %v", reviewer, c, err)
	}
	return c
}

// drain decides every pending task so that the next subtest starts with an empty queue.
func drain(t *testing.T, f *fixture) {
	t.Helper()
	f.clock.Advance(time.Hour) // frees every lease
	for {
		c, err := f.svc.Claim(context.Background(), "drainer")
		if err != nil {
			t.Fatal(err)
		}
		if c == nil {
			return
		}
		if _, err := f.svc.Decide(context.Background(), "drainer", c.Task.ID, Decision{Outcome: Approve}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSMSReasons(t *testing.T) {
	tests := []struct {
		name    string
		reasons []string
		note    string
		want    string
	}{
		{"one", []string{"头发遮挡眉毛"}, "", "头发遮挡眉毛"},
		{"with note, as defects", []string{"双耳外露", "不浓妆"}, "请重拍", "未露出双耳；妆容过浓；请重拍"},
		{"truncated", []string{strings.Repeat("长", 50), strings.Repeat("短", 50)}, "", strings.Repeat("长", 50) + "；" + strings.Repeat("短", 8) + "…"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := smsReasons(tc.reasons, tc.note); got != tc.want {
				t.Fatalf("got %q want %q", got, tc.want)
			}
		})
	}
}

// TestEveryReasonHasItsDefect: each checklist rule is told to the student as a
// defect, never as the rule.
func TestEveryReasonHasItsDefect(t *testing.T) {
	got := Defects(Reasons)
	for i, r := range Reasons {
		if got[i] == r || got[i] == "" {
			t.Errorf("%q has no defect phrasing", r)
		}
	}
	if d := Defects([]string{"自由填写的原因"}); d[0] != "自由填写的原因" {
		t.Errorf("an unknown reason changed: %q", d[0])
	}
}
