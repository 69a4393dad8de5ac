// Package audit owns the staff audit trail (table audit_log): who did what to what,
// from where and when — staff logins (successful or not), roster imports, exports,
// look-ups of a student's data, refunds and school changes. It also carries the
// Actor, the staff member on whose behalf a service acts, and the school scope rule
// every staff service applies: a school administrator sees only their own school.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/auth"
	"github.com/gradphoto/gradphoto/internal/db"
)

// Actions recorded in the trail.
const (
	ActionLogin           = "staff_login"
	ActionLoginFailed     = "staff_login_failed"
	ActionRosterImport    = "roster_import"
	ActionExport          = "export"          // a new export batch (count: its photos)
	ActionExportDownload  = "export_download" // a batch's ZIP downloaded again
	ActionBatchSubmitted  = "batch_submitted" // the school says it uploaded a batch to 学信网
	ActionCHSIResults     = "chsi_results"    // 学信网's result list imported
	ActionLookup          = "lookup"          // a view of a student's data (and photo status)
	ActionPhotoView       = "photo_view"
	ActionRefundRequested = "refund_requested" // written before WeChat Pay is asked
	ActionRefund          = "refund"           // WeChat Pay accepted it
	ActionRefundFailed    = "refund_failed"    // refused by the rule, by the order's state or by WeChat Pay
	ActionSchoolCreate    = "school_create"
	ActionSchoolUpdate    = "school_update"
	ActionPhoneReveal     = "phone_reveal"    // support saw a student's full phone number
	ActionResultResend    = "result_resend"   // the latest review result SMS, queued again
	ActionUnbind          = "unbind"          // a roster entry freed from its WeChat account
	ActionRosterEntryPut  = "roster_entry"    // one roster entry added or corrected
	ActionStudentList     = "student_list"    // a school's student list downloaded (Excel)
	ActionReminders       = "reminders"       // reminder SMS to a school's students
	ActionStaffCreate     = "staff_create"    // a staff account opened
	ActionStaffUpdate     = "staff_update"    // role, school, disabled or password changed
	ActionPaymentAnomaly  = "payment_anomaly" // a payment or refund that disagrees with our orders (system)
)

// Actor is the staff member a service acts for: their name in the trail, their role
// and, for a school administrator, their school.
type Actor struct {
	Username string
	Role     string
	SchoolID string
	IP       string
}

// ErrOutOfScope is what a school administrator gets for anything of another school:
// "not found", so that the other school's data is not even confirmed to exist.
var ErrOutOfScope = apperr.NotFound("not_found", "未找到相关信息")

// CanSeeSchool reports whether the actor may see a school's data: admins see every
// school, school administrators only their own, other roles none through this rule.
func (a Actor) CanSeeSchool(schoolID string) bool {
	switch a.Role {
	case auth.RoleAdmin:
		return true
	case auth.RoleSchoolAdmin:
		return a.SchoolID != "" && a.SchoolID == schoolID
	}
	return false
}

// RequireSchool is CanSeeSchool as an error.
func (a Actor) RequireSchool(schoolID string) error {
	if !a.CanSeeSchool(schoolID) {
		return ErrOutOfScope
	}
	return nil
}

// Entry is one row of audit_log.
type Entry struct {
	ID        int64  `gorm:"primaryKey;autoIncrement"`
	Actor     string `gorm:"size:64;not null"`
	Role      string `gorm:"size:16;not null"`
	SchoolID  string `gorm:"size:40;not null"`
	Action    string `gorm:"size:32;not null"`
	Target    string `gorm:"size:128;not null"`
	Detail    string `gorm:"type:text;not null"`
	IP        string `gorm:"column:ip;size:64;not null"`
	CreatedAt time.Time
}

func (Entry) TableName() string { return "audit_log" }

// Models lists the package's GORM models.
func Models() []any { return []any{&Entry{}} }

// DetailMap decodes the JSON detail (empty map when there is none).
func (e *Entry) DetailMap() map[string]any {
	out := map[string]any{}
	if e.Detail != "" {
		_ = json.Unmarshal([]byte(e.Detail), &out)
	}
	return out
}

// Log writes and reads the trail.
type Log struct {
	db  *gorm.DB
	now func() time.Time
	log *slog.Logger
}

// NewLog builds the trail on g.
func NewLog(g *gorm.DB, now func() time.Time, log *slog.Logger) *Log {
	return &Log{db: g, now: now, log: log}
}

// Record writes one entry, inside the transaction ctx carries if any. Detail must not
// carry secrets (passwords, tokens); the trail is read by administrators.
func (l *Log) Record(ctx context.Context, who Actor, action, target string, detail map[string]any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	raw, err := json.Marshal(detail)
	if err != nil {
		return apperr.Internal(fmt.Errorf("audit: detail: %w", err))
	}
	e := Entry{
		Actor: clip(who.Username, 64), Role: clip(who.Role, 16), SchoolID: clip(who.SchoolID, 40),
		Action: clip(action, 32), Target: clip(target, 128), Detail: string(raw), IP: clip(who.IP, 64),
		CreatedAt: l.now(),
	}
	if err := db.Conn(ctx, l.db).Create(&e).Error; err != nil {
		return apperr.Internal(fmt.Errorf("audit: record %s: %w", action, err))
	}
	return nil
}

// RecordBestEffort records and only logs a failure: for events that already happened
// and must not be undone because the trail is down (a completed download, a login).
func (l *Log) RecordBestEffort(ctx context.Context, who Actor, action, target string, detail map[string]any) {
	if err := l.Record(ctx, who, action, target, detail); err != nil {
		l.log.ErrorContext(ctx, "audit record failed", "action", action, "err", err)
	}
}

// Filter selects entries; zero values select everything.
type Filter struct {
	Action   string
	Actor    string
	Page     int // from 1
	PageSize int // at most MaxPageSize
}

// MaxPageSize bounds one page of the trail.
const MaxPageSize = 200

// Page is one page of entries, newest first.
type Page struct {
	Entries  []Entry
	Total    int64
	Page     int
	PageSize int
}

// List returns the trail, newest first. Only admins may read it.
func (l *Log) List(ctx context.Context, who Actor, f Filter) (*Page, error) {
	if who.Role != auth.RoleAdmin {
		return nil, apperr.ErrForbidden
	}
	if f.Page < 1 {
		f.Page = 1
	}
	if f.PageSize < 1 {
		f.PageSize = 50
	}
	if f.PageSize > MaxPageSize {
		return nil, apperr.Invalid("bad_page_size", fmt.Sprintf("每页条数须为1至%d", MaxPageSize))
	}
	q := db.Conn(ctx, l.db).Model(&Entry{})
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.Actor != "" {
		q = q.Where("actor = ?", strings.TrimSpace(f.Actor))
	}
	p := &Page{Page: f.Page, PageSize: f.PageSize, Entries: []Entry{}}
	if err := q.Count(&p.Total).Error; err != nil {
		return nil, apperr.Internal(fmt.Errorf("audit: count: %w", err))
	}
	if err := q.Order("id DESC").Offset((f.Page - 1) * f.PageSize).Limit(f.PageSize).Find(&p.Entries).Error; err != nil {
		return nil, apperr.Internal(fmt.Errorf("audit: list: %w", err))
	}
	return p, nil
}

// clip keeps at most n bytes of s without cutting a character in half.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
