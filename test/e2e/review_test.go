package e2e

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestReviewRejectThenApprove: a paid collection reaches the review queue through the
// real payment notification; a reviewer claims it, releases it to a colleague and back,
// rejects it (头发遮挡眉毛), the student
// gets the SMS; the re-upload returns to review without a new order; approval sends the
// success SMS and unlocks the photo.
func TestReviewRejectThenApprove(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, s *server) {
		tok := s.login("reviewee")
		id := s.verify(tok, zhangSan)
		photo := s.photoOK(tok, id)
		s.payAndWaitForReview(tok, id)

		staff := s.staffLogin("reviewer")
		staff2 := s.staffLogin("reviewer2")
		s.do("POST", "/admin/api/v1/reviews/claim", tok, nil).must(t, 403) // a student token is not staff
		r := s.do("POST", "/admin/api/v1/reviews/claim", staff, nil).must(t, 200)
		rv := r.JSON["review"].(map[string]any)
		col := rv["collection"].(map[string]any)
		if col["id"] != id || col["name"] != zhangSan.Name || col["level"] != "本科" || rv["lease_expires_at"] == nil || rv["deadline"] == nil {
			t.Fatalf("claim: %s", r.Body)
		}
		if checks, _ := rv["checks"].([]any); len(checks) == 0 {
			t.Fatalf("claim shows no machine checks: %s", r.Body)
		}
		taskPath := fmt.Sprintf("/admin/api/v1/reviews/%v", rv["id"])
		// The reviewer judges the standard photo; the original is one click away.
		if got := s.do("GET", rv["photo_url"].(string), staff, nil).must(t, 200); !bytes.Equal(got.Body, s.do("GET", "/api/v1/collections/"+id+"/photo/standard", tok, nil).must(t, 200).Body) {
			t.Fatal("the claimant's photo view is not the standard photo")
		}
		if got := s.do("GET", rv["original_photo_url"].(string), staff, nil).must(t, 200); !bytes.Equal(got.Body, photo) {
			t.Fatal("the claimant's original view is not the uploaded photo")
		}
		if code := s.do("GET", rv["photo_url"].(string), staff2, nil).must(t, 409).errCode(); code != "review_not_your_claim" {
			t.Fatalf("another reviewer's photo view: %s", code)
		}
		s.do("POST", "/admin/api/v1/reviews/claim", staff2, nil).must(t, 204) // the only task is taken

		// A release hands the task back at once: the other reviewer claims it, and gives it back too.
		releases := []struct {
			token, path string
			status      int
			code        string
		}{
			{staff2, taskPath + "/release", 409, "review_not_your_claim"},
			{staff, "/admin/api/v1/reviews/999999/release", 404, "review_not_found"},
			{staff, "/admin/api/v1/reviews/x/release", 400, "bad_review_id"},
			{staff, taskPath + "/release", 204, ""},
			{staff, taskPath + "/release", 409, "review_not_your_claim"},
		}
		for _, rl := range releases {
			if res := s.do("POST", rl.path, rl.token, nil).must(t, rl.status); res.errCode() != rl.code {
				t.Fatalf("release %s: code %q, want %q", rl.path, res.errCode(), rl.code)
			}
		}
		r = s.do("POST", "/admin/api/v1/reviews/claim", staff2, nil).must(t, 200)
		if got := r.JSON["review"].(map[string]any)["id"]; got != rv["id"] {
			t.Fatalf("after the release reviewer2 claimed %v, want %v", got, rv["id"])
		}
		s.do("POST", taskPath+"/release", staff2, nil).must(t, 204)
		// The first reviewer released it too, but it is the only task: it comes back.
		r = s.do("POST", "/admin/api/v1/reviews/claim", staff, nil).must(t, 200)
		if got := r.JSON["review"].(map[string]any)["id"]; got != rv["id"] {
			t.Fatalf("reclaim: %v, want %v", got, rv["id"])
		}

		decisions := []struct {
			token, body string
			status      int
			code        string
		}{
			{staff2, `{"decision":"approve"}`, 409, "review_not_your_claim"},
			{staff, `{"decision":"maybe"}`, 400, "review_bad_decision"},
			{staff, `{"decision":"reject","reasons":[]}`, 400, "review_reason_required"},
			{staff, `{"decision":"reject","reasons":["头发遮挡眉毛","双耳外露"]}`, 200, ""},
			{staff, `{"decision":"approve"}`, 409, "review_already_decided"},
		}
		for _, d := range decisions {
			res := s.do("POST", taskPath+"/decision", d.token, d.body).must(t, d.status)
			if res.errCode() != d.code {
				t.Fatalf("%s: code %q, want %q", d.body, res.errCode(), d.code)
			}
		}
		s.do("POST", "/admin/api/v1/reviews/999999/decision", staff, `{"decision":"approve"}`).must(t, 404)

		c := collectionOf(s.do("GET", "/api/v1/collections/"+id, tok, nil).must(t, 200))
		review, _ := c["review"].(map[string]any)
		if c["status"] != "rejected" || review == nil || review["status"] != "rejected" || fmt.Sprint(review["reasons"]) != "[头发遮挡眉毛 未露出双耳]" {
			t.Fatalf("collection after rejection: %v", c)
		}
		sms := s.waitForSMS(zhangSan.Phone, "审核失败")
		// The checklist's rule reaches the student as the defect found.
		for _, want := range []string{"头发遮挡眉毛", "未露出双耳", "中国石油大学（华东）"} {
			if !strings.Contains(sms, want) {
				t.Fatalf("rejection SMS %q lacks %q", sms, want)
			}
		}

		// The re-upload (collection service) queues the next round; no new order.
		photo = s.reupload(tok, id)
		r = s.do("POST", "/admin/api/v1/reviews/claim", staff2, nil).must(t, 200)
		rv = r.JSON["review"].(map[string]any)
		if rv["round"] != float64(2) {
			t.Fatalf("second round: %s", r.Body)
		}
		s.do("POST", fmt.Sprintf("/admin/api/v1/reviews/%v/decision", rv["id"]), staff2, `{"decision":"approve"}`).must(t, 200)
		c = collectionOf(s.do("GET", "/api/v1/collections/"+id, tok, nil).must(t, 200))
		if c["status"] != "approved" || c["review"].(map[string]any)["status"] != "approved" {
			t.Fatalf("collection after approval: %v", c)
		}
		if o, _ := c["order"].(map[string]any); o == nil || o["status"] != "paid" {
			t.Fatalf("order after the second round: %v", c["order"])
		}
		if got := s.do("GET", "/api/v1/collections/"+id+"/photo", tok, nil).must(t, 200); !bytes.Equal(got.Body, photo) {
			t.Fatal("approved photo differs from the upload")
		}
		if sms := s.waitForSMS(zhangSan.Phone, "审核成功"); !strings.Contains(sms, "中国石油大学（华东）") {
			t.Fatalf("approval SMS %q", sms)
		}
		if strings.Contains(s.Logs.String(), zhangSan.Phone) {
			t.Fatal("a phone number reached the logs")
		}
	})
}

// photoOK takes a verified collection through the capture code and a compliant photo
// (the real checks), to photo_ok; it returns the photo's bytes.
func (s *server) photoOK(tok, id string) []byte {
	s.t.Helper()
	s.upload("/api/v1/collections/"+id+"/capture-code", tok, "image", "code.png", codeScreenshot(s.t, newPayload(s.t))).must(s.t, 200)
	photo := compliantPhoto(s.t)
	r := s.upload("/api/v1/collections/"+id+"/photo", tok, "photo", "photo.jpg", photo).must(s.t, 200)
	if st := collectionOf(r)["status"]; st != "photo_ok" {
		s.t.Fatalf("status after a compliant photo: %v", st)
	}
	return photo
}

// payAndWaitForReview orders, has the sandbox pay and notify, and waits for in_review.
func (s *server) payAndWaitForReview(tok, id string) {
	s.t.Helper()
	r := s.do("POST", "/api/v1/collections/"+id+"/order", tok, nil).must(s.t, 200)
	otn := r.JSON["order"].(map[string]any)["out_trade_no"].(string)
	s.do("POST", "/sandbox/pay/transactions/"+otn+"/succeed", "", nil).must(s.t, 200)
	waitFor(s.t, "in_review", 10*time.Second, func() bool {
		c := collectionOf(s.do("GET", "/api/v1/collections/"+id, tok, nil))
		return c["status"] == "in_review"
	})
}

// reupload uploads a new compliant photo after a rejection: it goes straight back to
// review, with no new order. It returns the new photo's bytes.
func (s *server) reupload(tok, id string) []byte {
	s.t.Helper()
	photo := reencoded(s.t, compliantPhoto(s.t), 93)
	r := s.upload("/api/v1/collections/"+id+"/photo", tok, "photo", "again.jpg", photo).must(s.t, 200)
	if st := collectionOf(r)["status"]; st != "in_review" {
		s.t.Fatalf("status after the re-upload: %v", st)
	}
	return photo
}

// waitForSMS waits until the sandbox lists an SMS to phone containing want; returns its text.
func (s *server) waitForSMS(phone, want string) string {
	s.t.Helper()
	var text string
	waitFor(s.t, "SMS "+want, 10*time.Second, func() bool {
		r := s.do("GET", "/sandbox/sms?phone="+phone, "", nil)
		list, _ := r.JSON["messages"].([]any)
		for _, m := range list {
			if t, _ := m.(map[string]any)["text"].(string); strings.Contains(t, want) {
				text = t
				return true
			}
		}
		return false
	})
	return text
}
