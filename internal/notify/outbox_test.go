package notify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)} }
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

// recordingSender records every delivery and fails while failures remain.
type recordingSender struct {
	mu       sync.Mutex
	sent     []Message
	failures int
	fail     error
}

func (s *recordingSender) Send(_ context.Context, m Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failures > 0 {
		s.failures--
		return s.fail
	}
	s.sent = append(s.sent, m)
	return nil
}

func (s *recordingSender) keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, m := range s.sent {
		out = append(out, m.IdempotencyKey)
	}
	return out
}

func smsMessage(key string) Message {
	return Message{IdempotencyKey: key, Channel: ChannelSMS, Recipient: "13800001234",
		Template: TemplateReviewRejected, CollectionID: "c_1",
		Params: map[string]string{ParamSchool: "中国石油大学", ParamReasons: "头发遮挡眉毛"}}
}

func historyStatuses(r Record) []string {
	var out []string
	for _, e := range r.History {
		out = append(out, e.Status)
	}
	return out
}

func TestOutbox(t *testing.T) {
	eachDB(t, func(t *testing.T, g *gorm.DB) {
		ctx := context.Background()

		t.Run("EnqueueNew tells a new message from a known key", func(t *testing.T) {
			o := NewOutbox(g, map[string]Sender{ChannelSMS: &recordingSender{}}, Config{}, newClock().Now, discardLog())
			m := smsMessage("idem-new")
			for i, want := range []bool{true, false, false} {
				queued, err := o.EnqueueNew(ctx, m)
				if err != nil || queued != want {
					t.Fatalf("enqueue %d: queued %v, want %v (%v)", i, queued, want, err)
				}
			}
			m.Channel = ChannelSubscribe // not configured
			m.IdempotencyKey = "idem-new-2"
			if queued, err := o.EnqueueNew(ctx, m); err != nil || queued {
				t.Fatalf("unconfigured channel: %v %v", queued, err)
			}
			if n, err := o.ProcessOnce(ctx); err != nil || n != 1 { // one message, one "queued" event
				t.Fatalf("ProcessOnce = %d, %v", n, err)
			}
		})

		t.Run("enqueue is idempotent and unconfigured channels are dropped", func(t *testing.T) {
			s := &recordingSender{}
			o := NewOutbox(g, map[string]Sender{ChannelSMS: s}, Config{}, newClock().Now, discardLog())
			m := smsMessage("idem-1")
			m.CollectionID = "c_idem"
			for range 3 {
				if err := o.Enqueue(ctx, m); err != nil {
					t.Fatal(err)
				}
			}
			sub := m
			sub.IdempotencyKey, sub.Channel, sub.Recipient = "idem-1-sub", ChannelSubscribe, "openid-x"
			if err := o.Enqueue(ctx, sub); err != nil {
				t.Fatal(err)
			}
			recs, err := o.ForCollection(ctx, "c_idem")
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 1 || recs[0].Status != StatusPending || recs[0].Text != Render(m.Template, m.Params) {
				t.Fatalf("records = %+v", recs)
			}
			if n, err := o.ProcessOnce(ctx); err != nil || n != 1 {
				t.Fatalf("ProcessOnce = %d, %v", n, err)
			}
			if n, _ := o.ProcessOnce(ctx); n != 0 {
				t.Fatalf("second ProcessOnce sent %d again", n)
			}
			if got := s.keys(); !slices.Equal(got, []string{"idem-1"}) {
				t.Fatalf("sent %v", got)
			}
		})

		t.Run("provider fails twice then recovers: one send, full history", func(t *testing.T) {
			clk := newClock()
			s := &recordingSender{failures: 2, fail: errors.New("http post error : uri=https://x/?access_token=SECRET123 , statusCode=502")}
			cfg := Config{MaxAttempts: 5, BaseBackoff: time.Minute}
			o := NewOutbox(g, map[string]Sender{ChannelSMS: s}, cfg, clk.Now, discardLog())
			m := smsMessage("flaky-1")
			m.CollectionID = "c_flaky"
			if err := o.Enqueue(ctx, m); err != nil {
				t.Fatal(err)
			}
			steps := []struct {
				advance time.Duration
				want    int // messages attempted
			}{
				{0, 1},                // attempt 1 fails
				{30 * time.Second, 0}, // backoff (1m) not over
				{31 * time.Second, 1}, // attempt 2 fails
				{time.Minute, 0},      // backoff doubled to 2m
				{time.Minute, 1},      // attempt 3 succeeds
				{time.Hour, 0},        // nothing left
			}
			for i, st := range steps {
				clk.Advance(st.advance)
				n, err := o.ProcessOnce(ctx)
				if err != nil || n != st.want {
					t.Fatalf("step %d: ProcessOnce = %d, %v; want %d", i, n, err, st.want)
				}
			}
			if got := s.keys(); !slices.Equal(got, []string{"flaky-1"}) {
				t.Fatalf("sent %v, want exactly one", got)
			}
			recs, err := o.ForCollection(ctx, "c_flaky")
			if err != nil {
				t.Fatal(err)
			}
			r := recs[0]
			if r.Status != StatusSent || r.Attempts != 3 || r.SentAt == nil {
				t.Fatalf("record = %+v", r)
			}
			want := []string{"queued", "sending", "retry", "sending", "retry", "sending", "sent"}
			if got := historyStatuses(r); !slices.Equal(got, want) {
				t.Fatalf("history = %v, want %v", got, want)
			}
			for _, e := range r.History {
				if e.Status == "retry" && (e.Error == "" || strings.Contains(e.Error, "SECRET123")) {
					t.Fatalf("retry error %q: want the cause without the access token", e.Error)
				}
			}
		})

		t.Run("attempts exhausted and permanent errors end as failed", func(t *testing.T) {
			tests := []struct {
				name      string
				fail      error
				attempts  int
				wantTries int
			}{
				{"transient until max", errors.New("timeout"), 3, 3},
				{"permanent at once", Permanent(errors.New("InvalidParameterValue.IncorrectPhoneNumber")), 3, 1},
			}
			for i, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					clk := newClock()
					s := &recordingSender{failures: 100, fail: tc.fail}
					o := NewOutbox(g, map[string]Sender{ChannelSMS: s}, Config{MaxAttempts: tc.attempts, BaseBackoff: time.Second}, clk.Now, discardLog())
					m := smsMessage(fmt.Sprintf("fail-%d", i))
					m.CollectionID = fmt.Sprintf("c_fail_%d", i)
					if err := o.Enqueue(ctx, m); err != nil {
						t.Fatal(err)
					}
					for range 10 {
						if _, err := o.ProcessOnce(ctx); err != nil {
							t.Fatal(err)
						}
						clk.Advance(time.Hour)
					}
					recs, _ := o.ForCollection(ctx, m.CollectionID)
					if r := recs[0]; r.Status != StatusFailed || r.Attempts != tc.wantTries || r.LastError == "" {
						t.Fatalf("record = %+v", r)
					}
					if len(s.keys()) != 0 {
						t.Fatal("a failing provider recorded a send")
					}
				})
			}
		})

		t.Run("worker killed mid-send: lease expires, message retried once", func(t *testing.T) {
			clk := newClock()
			s := &recordingSender{}
			cfg := Config{Lease: time.Minute}
			dead := NewOutbox(g, map[string]Sender{ChannelSMS: s}, cfg, clk.Now, discardLog())
			m := smsMessage("crash-1")
			m.CollectionID = "c_crash"
			if err := dead.Enqueue(ctx, m); err != nil {
				t.Fatal(err)
			}
			// The first worker takes the lease and disappears before sending.
			if rows, err := dead.claim(ctx); err != nil || len(rows) != 1 {
				t.Fatalf("claim = %v, %v", rows, err)
			}
			restarted := NewOutbox(g, map[string]Sender{ChannelSMS: s}, cfg, clk.Now, discardLog())
			if n, _ := restarted.ProcessOnce(ctx); n != 0 {
				t.Fatal("a leased message was taken before its lease expired")
			}
			clk.Advance(61 * time.Second)
			if n, err := restarted.ProcessOnce(ctx); n != 1 || err != nil {
				t.Fatalf("after lease: %d, %v", n, err)
			}
			if got := s.keys(); !slices.Equal(got, []string{"crash-1"}) {
				t.Fatalf("sent %v", got)
			}
			recs, _ := restarted.ForCollection(ctx, "c_crash")
			want := []string{"queued", "sending", "lease_expired", "sending", "sent"}
			if got := historyStatuses(recs[0]); !slices.Equal(got, want) {
				t.Fatalf("history = %v, want %v", got, want)
			}
		})

		t.Run("concurrent workers never send a message twice", func(t *testing.T) {
			clk := newClock()
			s := &recordingSender{}
			const n = 40
			var keys []string
			for i := range n {
				m := smsMessage(fmt.Sprintf("conc-%02d", i))
				m.CollectionID = "c_conc"
				keys = append(keys, m.IdempotencyKey)
				if err := NewOutbox(g, map[string]Sender{ChannelSMS: s}, Config{}, clk.Now, discardLog()).Enqueue(ctx, m); err != nil {
					t.Fatal(err)
				}
			}
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					o := NewOutbox(g, map[string]Sender{ChannelSMS: s}, Config{BatchSize: 3}, clk.Now, discardLog())
					for {
						k, err := o.ProcessOnce(ctx)
						if err != nil {
							errs <- err
							return
						}
						if k == 0 {
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
			got := s.keys()
			slices.Sort(got)
			if !slices.Equal(got, keys) {
				t.Fatalf("sent %d messages (%v), want each of %d exactly once", len(got), got, n)
			}
		})

		t.Run("RecentSMS lists sent SMS newest first", func(t *testing.T) {
			o := NewOutbox(g, map[string]Sender{ChannelSMS: &recordingSender{}}, Config{}, newClock().Now, discardLog())
			recs, err := o.RecentSMS(ctx, 2)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 2 || recs[0].ID < recs[1].ID || recs[0].Status != StatusSent || recs[0].Recipient != "13800001234" || recs[0].RecipientMasked != "138****1234" {
				t.Fatalf("recent = %+v", recs)
			}
		})
	})
}

func TestBackoff(t *testing.T) {
	cfg := Config{BaseBackoff: 10 * time.Second, MaxBackoff: time.Minute}
	tests := []struct {
		attempts int
		want     time.Duration
	}{{1, 10 * time.Second}, {2, 20 * time.Second}, {3, 40 * time.Second}, {4, time.Minute}, {20, time.Minute}}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.attempts), func(t *testing.T) {
			if got := cfg.Backoff(tc.attempts); got != tc.want {
				t.Fatalf("Backoff(%d) = %v, want %v", tc.attempts, got, tc.want)
			}
		})
	}
}

func TestMasking(t *testing.T) {
	tests := []struct{ channel, in, want string }{
		{ChannelSMS, "13800001234", "138****1234"},
		{ChannelSMS, "+8613800001234", "+86*******1234"},
		{ChannelSMS, "123", "***"},
		{ChannelSubscribe, "oABCDEFGHIJK", "oAB***IJK"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := MaskRecipient(tc.channel, tc.in); got != tc.want {
				t.Fatalf("got %q want %q", got, tc.want)
			}
		})
	}
}
