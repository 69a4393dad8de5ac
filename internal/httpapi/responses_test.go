package httpapi

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/gradphoto/gradphoto/internal/collection"
	"github.com/gradphoto/gradphoto/internal/payment"
	"github.com/gradphoto/gradphoto/internal/review"
	"github.com/gradphoto/gradphoto/internal/school"
	"github.com/gradphoto/gradphoto/internal/usecase"
)

// TestCollectionJSON pins the Collection object byte for byte: the mini-program and
// outside clients read these names, in this shape (docs/openapi.yaml).
func TestCollectionJSON(t *testing.T) {
	at := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	later := at.Add(time.Hour)
	str := func(s string) *string { return &s }
	v := &usecase.CollectionView{
		Collection: &collection.Collection{ID: "c_1", SchoolID: "s1", Level: "本科", Name: "张三", StudentNo: "001",
			Phone: "13800000001", Status: collection.StatusCHSIFailed, CHSIReason: str("比对不一致"), AlreadyHasCHSIPhoto: true,
			CaptureCodeMasked: "AB****YZ", CaptureCodeAt: &at, PhotoChecks: str(`[{"id":"format_jpeg","passed":true}]`),
			PhotoAt: &at, PhotoStandardSHA256: str("ab12"), CreatedAt: at, UpdatedAt: later},
		School:     &school.School{ID: "s1", Name: "甲大学"},
		Subscribed: []string{"tpl_a"},
		Order: &payment.Order{OutTradeNo: "P1", AmountFen: 2000, Status: payment.StatusRefunded, PaidAt: &at,
			RefundRequestedAt: &at, RefundedAt: &later},
		Review: &review.Task{Status: review.StatusRejected, Reasons: []string{"双耳外露"}, DecidedAt: &later, Deadline: later, Note: "请露出双耳"},
	}
	b, err := json.Marshal(toCollectionJSON(v))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"c_1","status":"chsi_failed","status_text":"学信网比对未通过：比对不一致，请重新上传照片","chsi_reason":"比对不一致",` +
		`"school":{"id":"s1","name":"甲大学"},"level":"本科","name":"张三","student_no":"001","phone_masked":"138****0001",` +
		`"capture_code":{"masked":"AB****YZ","uploaded_at":"2026-06-01T08:00:00Z"},` +
		`"photo":{"uploaded_at":"2026-06-01T08:00:00Z","checks":[{"id":"format_jpeg","passed":true}],"standard_url":"/api/v1/collections/c_1/photo/standard"},` +
		`"order":{"out_trade_no":"P1","amount_fen":2000,"status":"refunded","paid_at":"2026-06-01T08:00:00Z","refund":{"status":"refunded","amount_fen":2000,"at":"2026-06-01T09:00:00Z"}},` +
		`"review":{"status":"rejected","reasons":["未露出双耳"],"decided_at":"2026-06-01T09:00:00Z","deadline":"2026-06-01T09:00:00Z"},` +
		`"review_note":"请露出双耳","already_has_chsi_photo":true,"subscribed":["tpl_a"],"subscribe_granted":true,` +
		`"notice":"` + collection.CHSINotice + `","next_step":"reupload_photo","created_at":"2026-06-01T08:00:00Z","updated_at":"2026-06-01T09:00:00Z"}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}

	// A fresh collection: no code, photo, order or review yet; empty lists, not null.
	fresh := &usecase.CollectionView{Collection: &collection.Collection{ID: "c_2", Status: collection.StatusUnconfirmed, CreatedAt: at, UpdatedAt: at},
		School: &school.School{ID: "s1", Name: "甲大学"}}
	b, _ = json.Marshal(toCollectionJSON(fresh))
	want = `{"id":"c_2","status":"unconfirmed","status_text":"待确认信息","school":{"id":"s1","name":"甲大学"},"level":"","name":"",` +
		`"student_no":"","phone_masked":"","capture_code":null,"photo":null,"order":null,"review":null,"review_note":"",` +
		`"already_has_chsi_photo":false,"subscribed":[],"subscribe_granted":false,"next_step":"confirm",` +
		`"created_at":"2026-06-01T08:00:00Z","updated_at":"2026-06-01T08:00:00Z"}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
}
