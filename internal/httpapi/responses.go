package httpapi

import (
	"encoding/json"
	"time"

	"github.com/gradphoto/gradphoto/internal/audit"
	"github.com/gradphoto/gradphoto/internal/auth"
	"github.com/gradphoto/gradphoto/internal/collection"
	"github.com/gradphoto/gradphoto/internal/notify"
	"github.com/gradphoto/gradphoto/internal/payment"
	"github.com/gradphoto/gradphoto/internal/review"
	"github.com/gradphoto/gradphoto/internal/roster"
	"github.com/gradphoto/gradphoto/internal/school"
	"github.com/gradphoto/gradphoto/internal/usecase"
)

// The API's JSON shapes (docs/openapi.yaml) live here, in one place: the domain
// packages and the use cases return domain values, and the handlers build these from
// them. Field names and shapes are the contract with the mini-program and outside
// clients; the e2e contract tests hold them to openapi.yaml.

// collectionJSON is the Collection object: a student's collection as the student (and
// support) see it.
type collectionJSON struct {
	ID          string              `json:"id"`
	Status      collection.Status   `json:"status"`
	StatusText  string              `json:"status_text"`
	CHSIReason  string              `json:"chsi_reason,omitempty"`
	School      schoolRefJSON       `json:"school"`
	Level       string              `json:"level"`
	Name        string              `json:"name"`
	StudentNo   string              `json:"student_no"`
	PhoneMasked string              `json:"phone_masked"`
	CaptureCode *captureCodeJSON    `json:"capture_code"`
	Photo       *photoRefJSON       `json:"photo"`
	Order       *collectionOrderRef `json:"order"`
	Review      *collectionReview   `json:"review"`
	// ReviewNote is the reviewer's note to the student on the latest decision.
	ReviewNote          string `json:"review_note"`
	AlreadyHasCHSIPhoto bool   `json:"already_has_chsi_photo"`
	// Subscribed lists the subscribe templates with an acceptance not yet used up: a
	// result of each of them will reach the student in WeChat.
	Subscribed       []string  `json:"subscribed"`
	SubscribeGranted bool      `json:"subscribe_granted"` // len(Subscribed) > 0
	Notice           string    `json:"notice,omitempty"`
	NextStep         string    `json:"next_step"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

type schoolRefJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type captureCodeJSON struct {
	Masked     string    `json:"masked"`
	UploadedAt time.Time `json:"uploaded_at"`
}

type photoRefJSON struct {
	UploadedAt time.Time       `json:"uploaded_at"`
	Checks     json.RawMessage `json:"checks"`
	// StandardURL serves the 480×640 standard photo; empty for a photo without one.
	StandardURL string `json:"standard_url,omitempty"`
}

// collectionOrderRef is the collection's latest order.
type collectionOrderRef struct {
	OutTradeNo string      `json:"out_trade_no"`
	AmountFen  int64       `json:"amount_fen"`
	Status     string      `json:"status"`
	PaidAt     *time.Time  `json:"paid_at,omitempty"`
	Refund     *refundJSON `json:"refund"`
}

// refundJSON is the refund of an order, as the student sees it.
type refundJSON struct {
	Status    string     `json:"status"` // refunding | refunded
	AmountFen int64      `json:"amount_fen"`
	At        *time.Time `json:"at"` // requested, then done
}

// collectionReview is the collection's latest review round.
type collectionReview struct {
	Status    string     `json:"status"`
	Reasons   []string   `json:"reasons"`
	DecidedAt *time.Time `json:"decided_at"`
	Deadline  *time.Time `json:"deadline,omitempty"`
}

func toCollectionJSON(v *usecase.CollectionView) *collectionJSON {
	c := v.Collection
	out := &collectionJSON{
		ID: c.ID, Status: c.Status, StatusText: c.StatusText(), School: schoolRefJSON{ID: v.School.ID, Name: v.School.Name},
		Level: c.Level, Name: c.Name, StudentNo: c.StudentNo, PhoneMasked: roster.MaskPhone(c.Phone),
		AlreadyHasCHSIPhoto: c.AlreadyHasCHSIPhoto, Subscribed: v.Subscribed, SubscribeGranted: len(v.Subscribed) > 0,
		NextStep: collection.NextStep(c.Status), CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
	}
	if out.Subscribed == nil {
		out.Subscribed = []string{}
	}
	if c.Status == collection.StatusCHSIFailed && c.CHSIReason != nil {
		out.CHSIReason = *c.CHSIReason
	}
	if c.AlreadyHasCHSIPhoto {
		out.Notice = collection.CHSINotice
	}
	if c.CaptureCodeAt != nil {
		out.CaptureCode = &captureCodeJSON{Masked: c.CaptureCodeMasked, UploadedAt: *c.CaptureCodeAt}
	}
	if c.PhotoAt != nil && c.PhotoChecks != nil {
		checks := json.RawMessage(*c.PhotoChecks)
		if !json.Valid(checks) {
			checks = json.RawMessage("[]")
		}
		out.Photo = &photoRefJSON{UploadedAt: *c.PhotoAt, Checks: checks}
		if c.PhotoStandardSHA256 != nil {
			out.Photo.StandardURL = "/api/v1/collections/" + c.ID + "/photo/standard"
		}
	}
	if o := v.Order; o != nil {
		out.Order = &collectionOrderRef{OutTradeNo: o.OutTradeNo, AmountFen: o.AmountFen, Status: o.Status, PaidAt: o.PaidAt}
		switch o.Status {
		case payment.StatusRefunding:
			out.Order.Refund = &refundJSON{Status: o.Status, AmountFen: o.AmountFen, At: o.RefundRequestedAt}
		case payment.StatusRefunded:
			out.Order.Refund = &refundJSON{Status: o.Status, AmountFen: o.AmountFen, At: o.RefundedAt}
		}
	}
	if t := v.Review; t != nil {
		deadline := t.Deadline
		// The student reads the defects found, not the checklist's rules.
		out.Review = &collectionReview{Status: t.Status, Reasons: review.Defects(t.Reasons), DecidedAt: t.DecidedAt, Deadline: &deadline}
		out.ReviewNote = t.Note
	}
	return out
}

func toCollectionsJSON(vs []*usecase.CollectionView) []*collectionJSON {
	out := make([]*collectionJSON, len(vs))
	for i, v := range vs {
		out[i] = toCollectionJSON(v)
	}
	return out
}

// studentRowJSON is one roster student as a school administrator sees them.
type studentRowJSON struct {
	StudentNo           string            `json:"student_no"`
	Name                string            `json:"name"`
	Level               string            `json:"level"`
	PhoneMasked         string            `json:"phone_masked"`
	AlreadyHasCHSIPhoto bool              `json:"already_has_chsi_photo"`
	Status              collection.Status `json:"status"`
	CollectionID        string            `json:"collection_id,omitempty"`
	UpdatedAt           *time.Time        `json:"updated_at"`
}

type studentPageJSON struct {
	Students []studentRowJSON `json:"students"`
	Total    int64            `json:"total"`
	Page     int              `json:"page"`
	PageSize int              `json:"page_size"`
}

func toStudentPageJSON(p *collection.StudentPage) studentPageJSON {
	out := studentPageJSON{Students: make([]studentRowJSON, len(p.Students)), Total: p.Total, Page: p.Page, PageSize: p.PageSize}
	for i, r := range p.Students {
		out.Students[i] = studentRowJSON{StudentNo: r.StudentNo, Name: r.Name, Level: r.Level, PhoneMasked: r.PhoneMasked,
			AlreadyHasCHSIPhoto: r.AlreadyHasCHSIPhoto, Status: r.Status, CollectionID: r.CollectionID, UpdatedAt: r.UpdatedAt}
	}
	return out
}

// batchJSON is an export batch in the school's list.
type batchJSON struct {
	ID          int64      `json:"id"`
	SchoolID    string     `json:"school_id"`
	CreatedAt   time.Time  `json:"created_at"`
	CreatedBy   string     `json:"created_by"`
	Count       int        `json:"count"`
	Skipped     int        `json:"skipped"`
	Status      string     `json:"status"`
	SubmittedAt *time.Time `json:"submitted_at"`
	SubmittedBy string     `json:"submitted_by,omitempty"`
	Accepted    int64      `json:"chsi_accepted"`
	Failed      int64      `json:"chsi_failed"`
}

func toBatchJSON(b *collection.BatchSummary) batchJSON {
	return batchJSON{ID: b.ID, SchoolID: b.SchoolID, CreatedAt: b.CreatedAt, CreatedBy: b.CreatedBy, Count: b.Count, Skipped: b.Skipped,
		Status: b.Status, SubmittedAt: b.SubmittedAt, SubmittedBy: b.SubmittedBy, Accepted: b.Accepted, Failed: b.Failed}
}

// importErrorJSON is one bad row of an uploaded file (the header is row 1).
type importErrorJSON struct {
	Row     int    `json:"row"`
	Message string `json:"message"`
}

func toImportErrorsJSON(errs []roster.ImportError) []importErrorJSON {
	out := make([]importErrorJSON, len(errs))
	for i, e := range errs {
		out[i] = importErrorJSON{Row: e.Row, Message: e.Message}
	}
	return out
}

// rosterImportJSON is the answer of a roster import.
type rosterImportJSON struct {
	Created int               `json:"created"`
	Updated int               `json:"updated"`
	Errors  []importErrorJSON `json:"errors"`
}

// chsiResultsJSON is the answer of an import of 学信网's result list.
type chsiResultsJSON struct {
	Accepted  int               `json:"accepted"`
	Failed    int               `json:"failed"`
	Unchanged int               `json:"unchanged"`
	Errors    []importErrorJSON `json:"errors"`
}

// notificationJSON is a message to a student as support sees it: the recipient masked.
type notificationJSON struct {
	ID              int64                   `json:"id"`
	IdempotencyKey  string                  `json:"idempotency_key"`
	Channel         string                  `json:"channel"`
	RecipientMasked string                  `json:"recipient_masked"`
	Template        string                  `json:"template"`
	Params          map[string]string       `json:"params"`
	Text            string                  `json:"text"`
	CollectionID    string                  `json:"collection_id"`
	Status          string                  `json:"status"`
	Attempts        int                     `json:"attempts"`
	LastError       string                  `json:"last_error,omitempty"`
	NextAttemptAt   time.Time               `json:"next_attempt_at"`
	SentAt          *time.Time              `json:"sent_at,omitempty"`
	CreatedAt       time.Time               `json:"created_at"`
	UpdatedAt       time.Time               `json:"updated_at"`
	History         []notificationEventJSON `json:"history,omitempty"`
}

type notificationEventJSON struct {
	Attempt int       `json:"attempt"`
	Status  string    `json:"status"`
	Error   string    `json:"error,omitempty"`
	At      time.Time `json:"at"`
}

func toNotificationsJSON(rs []notify.Record) []notificationJSON {
	out := make([]notificationJSON, len(rs))
	for i, r := range rs {
		out[i] = notificationJSON{ID: r.ID, IdempotencyKey: r.IdempotencyKey, Channel: r.Channel, RecipientMasked: r.RecipientMasked,
			Template: r.Template, Params: r.Params, Text: r.Text, CollectionID: r.CollectionID, Status: r.Status, Attempts: r.Attempts,
			LastError: r.LastError, NextAttemptAt: r.NextAttemptAt, SentAt: r.SentAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
		for _, e := range r.History {
			out[i].History = append(out[i].History, notificationEventJSON{Attempt: e.Attempt, Status: e.Status, Error: e.Error, At: e.At})
		}
	}
	return out
}

// auditEntryJSON is one entry of the staff audit trail.
type auditEntryJSON struct {
	ID       int64          `json:"id"`
	Actor    string         `json:"actor"`
	Role     string         `json:"role"`
	SchoolID string         `json:"school_id"`
	Action   string         `json:"action"`
	Target   string         `json:"target"`
	IP       string         `json:"ip"`
	At       time.Time      `json:"at"`
	Detail   map[string]any `json:"detail"`
}

func toAuditEntryJSON(e *audit.Entry) auditEntryJSON {
	return auditEntryJSON{ID: e.ID, Actor: e.Actor, Role: e.Role, SchoolID: e.SchoolID, Action: e.Action, Target: e.Target,
		IP: e.IP, At: e.CreatedAt, Detail: e.DetailMap()}
}

// remindersJSON counts a reminder run.
type remindersJSON struct {
	Sent    int `json:"sent"`
	Skipped int `json:"skipped"`
}

type schoolJSON struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Province string   `json:"province"`
	Levels   []string `json:"levels"`
	Aliases  []string `json:"aliases"`
	PriceFen int64    `json:"price_fen"`
}

func toSchoolJSON(sc *school.School) schoolJSON {
	return schoolJSON{ID: sc.ID, Name: sc.Name, Province: sc.Province, Levels: sc.Levels(), Aliases: sc.Aliases(), PriceFen: sc.PriceFen}
}

type adminSchoolJSON struct {
	schoolJSON
	PhotoProfile string    `json:"photo_profile"`
	Active       bool      `json:"active"`
	MatchPhone   bool      `json:"match_phone"`
	UpdatedAt    time.Time `json:"updated_at"`
}

func toAdminSchoolJSON(sc *school.School) adminSchoolJSON {
	return adminSchoolJSON{schoolJSON: toSchoolJSON(sc), PhotoProfile: sc.PhotoProfile, Active: sc.Active, MatchPhone: sc.MatchPhone, UpdatedAt: sc.UpdatedAt}
}

type lookupOrderJSON struct {
	OutTradeNo   string     `json:"out_trade_no"`
	AmountFen    int64      `json:"amount_fen"`
	Status       string     `json:"status"`
	CreatedAt    time.Time  `json:"created_at"`
	PaidAt       *time.Time `json:"paid_at"`
	RefundReason string     `json:"refund_reason,omitempty"`
	RefundStatus string     `json:"refund_status,omitempty"`
	RefundedAt   *time.Time `json:"refunded_at,omitempty"`
}

type lookupReviewJSON struct {
	ID        int64      `json:"id"`
	Round     int        `json:"round"`
	Status    string     `json:"status"`
	Reasons   []string   `json:"reasons"`
	DecidedBy string     `json:"decided_by,omitempty"`
	DecidedAt *time.Time `json:"decided_at"`
	Deadline  time.Time  `json:"deadline"`
}

type lookupResult struct {
	Collection    *collectionJSON    `json:"collection"`
	Order         *lookupOrderJSON   `json:"order"`
	Review        *lookupReviewJSON  `json:"review"`
	Notifications []notificationJSON `json:"notifications"`
	Refundable    bool               `json:"refundable"`
}

func toLookupOrderJSON(o *payment.Order) *lookupOrderJSON {
	if o == nil {
		return nil
	}
	return &lookupOrderJSON{OutTradeNo: o.OutTradeNo, AmountFen: o.AmountFen, Status: o.Status, CreatedAt: o.CreatedAt,
		PaidAt: o.PaidAt, RefundReason: o.RefundReason, RefundStatus: o.RefundStatus, RefundedAt: o.RefundedAt}
}

func toLookupReviewJSON(t *review.Task) *lookupReviewJSON {
	if t == nil {
		return nil
	}
	reasons := t.Reasons
	if reasons == nil {
		reasons = []string{}
	}
	return &lookupReviewJSON{ID: t.ID, Round: t.Round, Status: t.Status, Reasons: reasons,
		DecidedBy: t.DecidedBy, DecidedAt: t.DecidedAt, Deadline: t.Deadline}
}

type orderJSON struct {
	OutTradeNo string     `json:"out_trade_no"`
	AmountFen  int64      `json:"amount_fen"`
	Status     string     `json:"status"`
	PaidAt     *time.Time `json:"paid_at,omitempty"`
	RefundedAt *time.Time `json:"refunded_at,omitempty"`
}

func toOrderJSON(o *payment.Order) orderJSON {
	return orderJSON{OutTradeNo: o.OutTradeNo, AmountFen: o.AmountFen, Status: o.Status, PaidAt: o.PaidAt, RefundedAt: o.RefundedAt}
}

type claimJSON struct {
	ID         int64           `json:"id"`
	Round      int             `json:"round"`
	Collection claimCollection `json:"collection"`
	PhotoURL   string          `json:"photo_url"` // the standard photo (the original for photos without one)
	// OriginalURL is the upload byte for byte, for the console's toggle.
	OriginalURL string          `json:"original_photo_url"`
	Checks      json.RawMessage `json:"checks"`
	Geometry    json.RawMessage `json:"geometry"` // photo.Geometry, null when unknown
	LeaseUntil  *time.Time      `json:"lease_expires_at"`
	Deadline    time.Time       `json:"deadline"`
	PaidAt      time.Time       `json:"paid_at"`
	Reasons     []string        `json:"reasons_checklist"`
}

type claimCollection struct {
	ID        string            `json:"id"`
	School    map[string]string `json:"school"`
	Level     string            `json:"level"`
	Name      string            `json:"name"`
	StudentNo string            `json:"student_no"`
}

type taskJSON struct {
	ID           int64      `json:"id"`
	CollectionID string     `json:"collection_id"`
	Round        int        `json:"round"`
	Status       string     `json:"status"`
	Reasons      []string   `json:"reasons"`
	Note         string     `json:"note"`
	DecidedBy    string     `json:"decided_by"`
	DecidedAt    *time.Time `json:"decided_at"`
	Deadline     time.Time  `json:"deadline"`
}

type callbackJSON struct {
	Reason     string           `json:"reason"`
	Collection *collectionJSON  `json:"collection"`
	Rounds     int              `json:"rounds,omitempty"`
	Order      *lookupOrderJSON `json:"order,omitempty"`
}

type studentJSON struct {
	StudentNo           string `json:"student_no"`
	Name                string `json:"name"`
	Level               string `json:"level"`
	PhoneMasked         string `json:"phone_masked"`
	AlreadyHasCHSIPhoto bool   `json:"already_has_chsi_photo"`
}

// staffJSON is a staff account as admins see it: never its password hash.
type staffJSON struct {
	ID          int64      `json:"id"`
	Username    string     `json:"username"`
	Role        string     `json:"role"`
	SchoolID    *string    `json:"school_id"`
	Disabled    bool       `json:"disabled"`
	LastLoginAt *time.Time `json:"last_login_at"`
	CreatedAt   time.Time  `json:"created_at"`
}

func toStaffJSON(a *auth.StaffAccount) staffJSON {
	return staffJSON{ID: a.ID, Username: a.Username, Role: a.Role, SchoolID: a.SchoolID, Disabled: a.Disabled,
		LastLoginAt: a.LastLoginAt, CreatedAt: a.CreatedAt}
}

type consoleSessionJSON struct {
	Username  string    `json:"username"`
	Role      string    `json:"role"`
	SchoolID  any       `json:"school_id"`
	ExpiresAt time.Time `json:"expires_at"`
	CSRFToken string    `json:"csrf_token"`
	Pages     []string  `json:"pages"`
	Sandbox   bool      `json:"sandbox"`
}
