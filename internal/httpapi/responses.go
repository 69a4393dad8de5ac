package httpapi

import (
	"encoding/json"
	"time"

	"github.com/gradphoto/gradphoto/internal/collection"
	"github.com/gradphoto/gradphoto/internal/payment"
	"github.com/gradphoto/gradphoto/internal/review"
	"github.com/gradphoto/gradphoto/internal/roster"
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
