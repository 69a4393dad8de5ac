// Package review owns the human review of paid photos: a queue of tasks handed out with
// leases, the reviewer's final and audited decision, the 48 h SLA, and the notification
// of the result, written to the outbox in the decision's transaction.
package review

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/notify"
)

// Reasons is the reviewer's checklist for a rejection (photo rules a machine cannot judge).
var Reasons = []string{"免冠，无头部覆盖物", "双耳外露", "头发不遮挡眉毛和眼睛", "不戴耳环项链等饰品", "不浓妆",
	"不穿无袖/吊带/大毛领/职业制服", "不戴有色或美瞳眼镜，镜框不遮眼", "非生活照/自拍照", "表情自然", "与本人相符"}

// defects says each checklist rule as the defect found, which is what the student
// is told (photo-spec.md, "Messages"): "未露出双耳", not the rule "双耳外露".
var defects = map[string]string{
	"免冠，无头部覆盖物":        "戴了帽子或头饰",
	"双耳外露":             "未露出双耳",
	"头发不遮挡眉毛和眼睛":       "头发遮挡了眉毛或眼睛",
	"不戴耳环项链等饰品":        "佩戴了耳环、项链等饰品",
	"不浓妆":              "妆容过浓",
	"不穿无袖/吊带/大毛领/职业制服": "穿了无袖、吊带、大毛领衣服或职业制服",
	"不戴有色或美瞳眼镜，镜框不遮眼":  "戴了有色眼镜或美瞳，或镜框遮挡了眼睛",
	"非生活照/自拍照":         "是生活照或自拍照，不是证件照",
	"表情自然":             "表情不自然",
	"与本人相符":            "照片与本人不符",
}

// Defects phrases reasons as the defects a student reads; a reason not on the
// checklist (an older one) is kept as it is.
func Defects(reasons []string) []string {
	if reasons == nil {
		return nil
	}
	out := make([]string, len(reasons))
	for i, r := range reasons {
		if d, ok := defects[r]; ok {
			out[i] = d
		} else {
			out[i] = r
		}
	}
	return out
}

// Task statuses.
const (
	StatusPending  = "pending"
	StatusApproved = "approved"
	StatusRejected = "rejected"
	// StatusCancelled: the order was refunded before a decision; the task left the queue.
	StatusCancelled = "cancelled"
)

// Decision outcomes.
const (
	Approve = "approve"
	Reject  = "reject"
)

// Errors of the package.
var (
	ErrTaskNotFound    = apperr.NotFound("review_not_found", "未找到该审核任务")
	ErrNotYourClaim    = apperr.Conflict("review_not_your_claim", "该审核任务不是由您领取的")
	ErrLeaseExpired    = apperr.Conflict("review_lease_expired", "审核领取已超时，请重新领取")
	ErrAlreadyDecided  = apperr.Conflict("review_already_decided", "该审核任务已有结论")
	ErrBadDecision     = apperr.Invalid("review_bad_decision", "审核结论应为通过（approve）或不通过（reject）")
	ErrReasonRequired  = apperr.Invalid("review_reason_required", "不通过时请至少填写一项原因")
	ErrBadReason       = apperr.Invalid("review_bad_reason", "不通过原因过长或过多")
	ErrReviewerMissing = apperr.Invalid("review_reviewer_missing", "缺少审核人")
)

// Limits of a decision's free text (they travel in an SMS).
const (
	maxReasons     = 10
	maxReasonRunes = 50
	maxNoteRunes   = 200
	maxSMSReasons  = 60
)

// Task is one review of one collection; a rejection followed by a new upload opens the
// next round.
type Task struct {
	ID              int64  `gorm:"primaryKey"`
	CollectionID    string `gorm:"size:40"`
	Round           int
	SchoolID        string `gorm:"size:40"`
	Status          string `gorm:"size:16"`
	PaidAt          time.Time
	Deadline        time.Time
	ClaimedBy       string `gorm:"size:64"`
	ClaimedAt       *time.Time
	LeaseExpiresAt  *time.Time
	DecidedBy       string `gorm:"size:64"`
	DecidedAt       *time.Time
	Reasons         []string `gorm:"serializer:json"`
	Note            string
	OverdueLoggedAt *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

func (Task) TableName() string { return "review_tasks" }

// AuditEntry records who did what to a task, and when.
type AuditEntry struct {
	ID           int64 `gorm:"primaryKey"`
	TaskID       int64
	CollectionID string `gorm:"size:40"`
	Actor        string `gorm:"size:64"`
	Action       string `gorm:"size:16"` // enqueue | claim | release | approve | reject | cancel | view_photo
	Detail       string // JSON
	CreatedAt    time.Time
}

func (AuditEntry) TableName() string { return "review_audit" }

// Models lists the GORM models of the package (schema checks against sql/).
func Models() []any { return []any{&Task{}, &AuditEntry{}} }

// Subject is what review needs to know about a collection.
type Subject struct {
	CollectionID string
	SchoolID     string
	SchoolName   string
	Level        string
	Name         string
	StudentNo    string
	PhotoKey     string          // storage key of the photo under review: the standard photo when there is one
	OriginalKey  string          // storage key of the upload as sent
	Checks       json.RawMessage // the machine checks (api.md check objects)
	Phone        string          // SMS recipient; empty: no SMS
	OpenID       string          // subscribe-message recipient
	// Geometry is photo.Geometry as JSON (face box, pupils, eye line), drawn over the
	// photo in the staff console; nil when the photo predates it.
	Geometry json.RawMessage
}

// Collections is implemented by internal/collection; review calls it inside its own
// transactions (ctx carries them).
type Collections interface {
	ReviewSubject(ctx context.Context, collectionID string) (Subject, error)
	// LockForDecision locks the collection row in the caller's transaction and returns its
	// status. Every decision on a collection (approve, reject, refund) takes this lock
	// first, so they are serialised and a later one sees what the earlier one committed.
	LockForDecision(ctx context.Context, collectionID string) (status string, err error)
	MarkApproved(ctx context.Context, collectionID string, at time.Time) error
	MarkRejected(ctx context.Context, collectionID string, reasons []string, at time.Time) error
	// UseSubscription takes one of the student's subscribe acceptances of the template
	// (a notify template name) for the message usedFor, in the caller's transaction;
	// false when none is left: WeChat allows one message per acceptance.
	UseSubscription(ctx context.Context, collectionID, template, usedFor string) (bool, error)
}

// Notifier queues a notification in the transaction ctx carries (notify.Outbox).
type Notifier interface {
	Enqueue(ctx context.Context, m notify.Message) error
}

// Claim is a task handed to a reviewer, with what they need to judge it.
type Claim struct {
	Task    Task
	Subject Subject
}

// Decision is a reviewer's verdict.
type Decision struct {
	Outcome string   `json:"decision"` // approve | reject
	Reasons []string `json:"reasons"`  // checklist items (Reasons) or short free text
	Note    string   `json:"note"`     // optional free text for the student
}

// normalise validates d and returns its cleaned reasons and note. A reason outside the
// checklist is kept as free text: reviewers name problems the list does not.
func (d Decision) normalise() (reasons []string, note string, err error) {
	note = strings.TrimSpace(d.Note)
	if utf8.RuneCountInString(note) > maxNoteRunes {
		return nil, "", ErrBadReason
	}
	seen := map[string]bool{}
	for _, r := range d.Reasons {
		r = strings.TrimSpace(r)
		if r == "" || seen[r] {
			continue
		}
		if utf8.RuneCountInString(r) > maxReasonRunes {
			return nil, "", ErrBadReason
		}
		seen[r] = true
		reasons = append(reasons, r)
	}
	if len(reasons) > maxReasons {
		return nil, "", ErrBadReason
	}
	switch d.Outcome {
	case Approve:
		if len(reasons) > 0 {
			return nil, "", ErrBadDecision.WithMessage("审核通过时不应填写不通过原因")
		}
		return []string{}, note, nil
	case Reject:
		if len(reasons) == 0 {
			return nil, "", ErrReasonRequired
		}
		return reasons, note, nil
	default:
		return nil, "", ErrBadDecision
	}
}

// smsReasons is the reasons text of the rejection SMS, short enough for a template variable.
func smsReasons(reasons []string, note string) string {
	parts := Defects(reasons)
	if note != "" {
		parts = append(parts, note)
	}
	s := strings.Join(parts, "；")
	if utf8.RuneCountInString(s) > maxSMSReasons {
		s = string([]rune(s)[:maxSMSReasons-1]) + "…"
	}
	return s
}

// Config tunes the queue.
type Config struct {
	Lease time.Duration // how long a claim holds (default 10m)
	SLA   time.Duration // deadline after payment (default 48h)
}

func (c Config) withDefaults() Config {
	if c.Lease <= 0 {
		c.Lease = 10 * time.Minute
	}
	if c.SLA <= 0 {
		c.SLA = 48 * time.Hour
	}
	return c
}
