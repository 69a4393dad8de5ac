package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"github.com/gradphoto/gradphoto/internal/db"
)

// Config tunes the outbox worker.
type Config struct {
	MaxAttempts int           // attempts before a message is marked failed (default 5)
	Lease       time.Duration // how long a worker owns a message it is sending (default 1m)
	SendTimeout time.Duration // deadline of one provider call, kept below Lease (default 15s)
	BaseBackoff time.Duration // delay after the first failure, doubled at each retry (default 10s)
	MaxBackoff  time.Duration // cap of the delay (default 30m)
	BatchSize   int           // messages taken per claim (default 20)
}

func (c Config) withDefaults() Config {
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 5
	}
	if c.Lease <= 0 {
		c.Lease = time.Minute
	}
	if c.SendTimeout <= 0 || c.SendTimeout >= c.Lease {
		// A send must end before its lease does, or a second worker could send again.
		c.SendTimeout = min(15*time.Second, c.Lease/2)
	}
	if c.BaseBackoff <= 0 {
		c.BaseBackoff = 10 * time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 30 * time.Minute
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 20
	}
	return c
}

// Backoff is the delay before attempt n+1 after n failed attempts.
func (c Config) Backoff(n int) time.Duration {
	c = c.withDefaults()
	d := c.BaseBackoff
	for i := 1; i < n && d < c.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, c.MaxBackoff)
}

type messageRow struct {
	ID             int64             `gorm:"primaryKey"`
	IdempotencyKey string            `gorm:"size:191"`
	Channel        string            `gorm:"size:16"`
	Recipient      string            `gorm:"size:128"`
	Template       string            `gorm:"size:64"`
	Params         map[string]string `gorm:"serializer:json"`
	Body           string
	CollectionID   string `gorm:"size:40"`
	Status         string `gorm:"size:16"`
	Attempts       int
	NextAttemptAt  time.Time
	LeaseUntil     *time.Time
	LastError      string
	SentAt         *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (messageRow) TableName() string { return "notify_messages" }

type eventRow struct {
	ID        int64 `gorm:"primaryKey"`
	MessageID int64
	Attempt   int
	Status    string `gorm:"size:16"`
	Error     string
	CreatedAt time.Time
}

func (eventRow) TableName() string { return "notify_events" }

// Models lists the GORM models of the package (schema checks against sql/).
func Models() []any { return []any{&messageRow{}, &eventRow{}} }

// Outbox stores messages and runs the worker that sends them.
type Outbox struct {
	g       *gorm.DB
	senders map[string]Sender
	cfg     Config
	now     func() time.Time
	log     *slog.Logger
}

// NewOutbox builds an outbox sending through senders, keyed by channel. A channel with
// no sender is not configured: its messages are dropped at Enqueue.
func NewOutbox(g *gorm.DB, senders map[string]Sender, cfg Config, now func() time.Time, log *slog.Logger) *Outbox {
	if now == nil {
		now = time.Now
	}
	return &Outbox{g: g, senders: senders, cfg: cfg.withDefaults(), now: now, log: log}
}

// clock returns now as the database stores it (UTC, milliseconds), so that
// comparisons in SQL agree with comparisons in Go.
func (o *Outbox) clock() time.Time { return o.now().UTC().Truncate(time.Millisecond) }

// Enqueue writes m to the outbox in the transaction ctx carries, if any. A message whose
// idempotency key is already stored is a no-op, as is one for an unconfigured channel.
func (o *Outbox) Enqueue(ctx context.Context, m Message) error {
	_, err := o.EnqueueNew(ctx, m)
	return err
}

// EnqueueNew is Enqueue telling whether m was queued now: false when its key was
// already stored (the unique key makes that atomic on every database) or its channel
// is not configured.
func (o *Outbox) EnqueueNew(ctx context.Context, m Message) (bool, error) {
	if m.IdempotencyKey == "" || m.Recipient == "" || m.Template == "" {
		return false, fmt.Errorf("notify: enqueue: idempotency key, recipient and template are required")
	}
	if _, ok := o.senders[m.Channel]; !ok {
		o.log.InfoContext(ctx, "notify channel not configured, message dropped",
			"channel", m.Channel, "template", m.Template, "key", m.IdempotencyKey)
		return false, nil
	}
	now := o.clock()
	row := messageRow{
		IdempotencyKey: m.IdempotencyKey, Channel: m.Channel, Recipient: m.Recipient,
		Template: m.Template, Params: m.Params, Body: Render(m.Template, m.Params),
		CollectionID: m.CollectionID, Status: StatusPending, NextAttemptAt: now,
		CreatedAt: now, UpdatedAt: now,
	}
	if row.Params == nil {
		row.Params = map[string]string{}
	}
	queued := false
	err := db.Tx(ctx, o.g, func(ctx context.Context) error {
		// A plain insert: the unique key refuses a known key on every database. (MySQL
		// reports an ON DUPLICATE KEY "do nothing" as one affected row, so that cannot
		// tell a new message from a known one.) A refused statement leaves the caller's
		// transaction usable on MySQL and SQLite.
		res := db.Conn(ctx, o.g).Create(&row)
		if res.Error != nil {
			if db.IsDuplicate(res.Error) {
				return nil // already queued under this key
			}
			return fmt.Errorf("notify: enqueue: %w", res.Error)
		}
		queued = true
		return o.addEvent(ctx, row.ID, 0, "queued", "", now)
	})
	return queued && err == nil, err
}

func (o *Outbox) addEvent(ctx context.Context, id int64, attempt int, status, errText string, at time.Time) error {
	ev := eventRow{MessageID: id, Attempt: attempt, Status: status, Error: errText, CreatedAt: at}
	if err := db.Conn(ctx, o.g).Create(&ev).Error; err != nil {
		return fmt.Errorf("notify: history: %w", err)
	}
	return nil
}

// ProcessOnce claims a batch of due messages, sends them and records the outcome. It
// returns how many messages it attempted.
func (o *Outbox) ProcessOnce(ctx context.Context) (int, error) {
	claimed, err := o.claim(ctx)
	if err != nil {
		return 0, err
	}
	var errs []error
	for _, row := range claimed {
		if err := o.deliver(ctx, row); err != nil {
			errs = append(errs, err)
		}
	}
	return len(claimed), errors.Join(errs...)
}

// claim leases due messages: pending ones whose time has come, and sending ones whose
// worker vanished (lease expired). SKIP LOCKED lets several instances claim side by side.
func (o *Outbox) claim(ctx context.Context) ([]messageRow, error) {
	now := o.clock()
	lease := now.Add(o.cfg.Lease)
	var out []messageRow
	err := db.Tx(ctx, o.g, func(ctx context.Context) error {
		out = out[:0]
		var rows []messageRow
		q := db.Conn(ctx, o.g).
			Where("(status = ? AND next_attempt_at <= ?) OR (status = ? AND lease_until <= ?)",
				StatusPending, now, StatusSending, now).
			Order("next_attempt_at, id").Limit(o.cfg.BatchSize)
		if err := db.SkipLocked(q).Find(&rows).Error; err != nil {
			return fmt.Errorf("notify: claim: %w", err)
		}
		for _, r := range rows {
			if r.Status == StatusSending {
				if err := o.addEvent(ctx, r.ID, r.Attempts, "lease_expired", "worker stopped before recording the result", now); err != nil {
					return err
				}
				if r.Attempts >= o.cfg.MaxAttempts {
					if err := o.finish(ctx, r, StatusFailed, "attempts exhausted (last worker lost)", now); err != nil {
						return err
					}
					continue
				}
			}
			res := db.Conn(ctx, o.g).Model(&messageRow{}).
				Where("id = ? AND status = ? AND attempts = ?", r.ID, r.Status, r.Attempts).
				Updates(map[string]any{"status": StatusSending, "attempts": r.Attempts + 1, "lease_until": lease, "updated_at": now})
			if res.Error != nil {
				return fmt.Errorf("notify: claim: %w", res.Error)
			}
			if res.RowsAffected == 0 {
				continue // taken by another worker between SELECT and UPDATE (SQLite has no SKIP LOCKED)
			}
			r.Attempts++
			r.Status = StatusSending
			r.LeaseUntil = &lease
			if err := o.addEvent(ctx, r.ID, r.Attempts, StatusSending, "", now); err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// finish records a final status for a message this worker holds.
func (o *Outbox) finish(ctx context.Context, r messageRow, status, errText string, now time.Time) error {
	upd := map[string]any{"status": status, "lease_until": nil, "last_error": errText, "updated_at": now}
	if status == StatusSent {
		upd["sent_at"] = now
	}
	res := db.Conn(ctx, o.g).Model(&messageRow{}).
		Where("id = ? AND status = ? AND attempts = ?", r.ID, r.Status, r.Attempts).Updates(upd)
	if res.Error != nil {
		return fmt.Errorf("notify: record %s: %w", status, res.Error)
	}
	if res.RowsAffected == 0 {
		return errLeaseLost
	}
	return o.addEvent(ctx, r.ID, r.Attempts, status, errText, now)
}

var errLeaseLost = errors.New("notify: lease lost to another worker")

func (o *Outbox) deliver(ctx context.Context, r messageRow) error {
	m := Message{IdempotencyKey: r.IdempotencyKey, Channel: r.Channel, Recipient: r.Recipient,
		Template: r.Template, Params: r.Params, CollectionID: r.CollectionID}
	var sendErr error
	if s, ok := o.senders[r.Channel]; ok {
		sendCtx, cancel := context.WithTimeout(ctx, o.cfg.SendTimeout)
		sendErr = s.Send(sendCtx, m)
		cancel()
	} else {
		sendErr = Permanent(fmt.Errorf("no sender configured for channel %q", r.Channel))
	}
	now := o.clock()
	logAttrs := []any{"message_id", r.ID, "channel", r.Channel, "template", r.Template, "attempt", r.Attempts}
	err := db.Tx(ctx, o.g, func(ctx context.Context) error {
		switch {
		case sendErr == nil:
			return o.finish(ctx, r, StatusSent, "", now)
		case IsPermanent(sendErr) || r.Attempts >= o.cfg.MaxAttempts:
			return o.finish(ctx, r, StatusFailed, cleanError(sendErr), now)
		default:
			errText := cleanError(sendErr)
			res := db.Conn(ctx, o.g).Model(&messageRow{}).
				Where("id = ? AND status = ? AND attempts = ?", r.ID, StatusSending, r.Attempts).
				Updates(map[string]any{"status": StatusPending, "lease_until": nil, "last_error": errText,
					"next_attempt_at": now.Add(o.cfg.Backoff(r.Attempts)), "updated_at": now})
			if res.Error != nil {
				return fmt.Errorf("notify: record retry: %w", res.Error)
			}
			if res.RowsAffected == 0 {
				return errLeaseLost
			}
			return o.addEvent(ctx, r.ID, r.Attempts, "retry", errText, now)
		}
	})
	switch {
	case errors.Is(err, errLeaseLost):
		o.log.WarnContext(ctx, "notify result not recorded: lease expired during send", logAttrs...)
		return nil
	case err != nil:
		return err
	case sendErr == nil:
		o.log.InfoContext(ctx, "notification sent", logAttrs...)
	default:
		o.log.WarnContext(ctx, "notification attempt failed", append(logAttrs, "error", cleanError(sendErr))...)
	}
	return nil
}

// Run processes the outbox every interval until ctx ends; a full batch is followed at once
// by the next one.
func (o *Outbox) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = 2 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := o.ProcessOnce(ctx)
		if err != nil && ctx.Err() == nil {
			o.log.ErrorContext(ctx, "notify worker", "error", err)
		}
		if n >= o.cfg.BatchSize && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ForCollection returns every message about a collection with its history, oldest first.
func (o *Outbox) ForCollection(ctx context.Context, collectionID string) ([]Record, error) {
	var rows []messageRow
	if err := db.Conn(ctx, o.g).Where("collection_id = ?", collectionID).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("notify: timeline: %w", err)
	}
	return o.records(ctx, rows, true)
}

// RecentSMS returns the latest SMS that were sent, newest first (the sandbox's /sms).
func (o *Outbox) RecentSMS(ctx context.Context, limit int) ([]Record, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var rows []messageRow
	err := db.Conn(ctx, o.g).Where("channel = ? AND status = ?", ChannelSMS, StatusSent).
		Order("id DESC").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("notify: recent sms: %w", err)
	}
	return o.records(ctx, rows, false)
}

func (o *Outbox) records(ctx context.Context, rows []messageRow, withHistory bool) ([]Record, error) {
	out := make([]Record, len(rows))
	idx := make(map[int64]int, len(rows))
	ids := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = Record{ID: r.ID, IdempotencyKey: r.IdempotencyKey, Channel: r.Channel, Recipient: r.Recipient,
			RecipientMasked: MaskRecipient(r.Channel, r.Recipient), Template: r.Template, Params: r.Params,
			Text: r.Body, CollectionID: r.CollectionID, Status: r.Status, Attempts: r.Attempts,
			LastError: r.LastError, NextAttemptAt: r.NextAttemptAt, SentAt: r.SentAt,
			CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
		idx[r.ID] = i
		ids[i] = r.ID
	}
	if !withHistory || len(rows) == 0 {
		return out, nil
	}
	var evs []eventRow
	if err := db.Conn(ctx, o.g).Where("message_id IN ?", ids).Order("id").Find(&evs).Error; err != nil {
		return nil, fmt.Errorf("notify: history: %w", err)
	}
	for _, e := range evs {
		i := idx[e.MessageID]
		out[i].History = append(out[i].History, Event{Attempt: e.Attempt, Status: e.Status, Error: e.Error, At: e.CreatedAt})
	}
	return out, nil
}
