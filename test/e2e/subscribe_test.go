package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/gradphoto/gradphoto/internal/config"
)

// TestSubscribeMessage: a student who accepted the subscribe message gets the review
// result through WeChat (the real SDK against the sandbox) besides the SMS.
func TestSubscribeMessage(t *testing.T) {
	s := startServer(t, func(cfg *config.Config) {
		cfg.WeChat.SubscribeTemplateApproved = "tmpl-approved"
		cfg.WeChat.SubscribeTemplateRejected = "tmpl-rejected"
	})
	info := s.do("GET", "/api/v1/info", "", nil).must(t, 200)
	if fmt.Sprint(info.JSON["subscribe_template_ids"]) != "[tmpl-approved tmpl-rejected]" {
		t.Fatalf("info: %s", info.Body)
	}
	tok := s.login("subscriber")
	id := s.verify(tok, liSi)
	s.photoOK(tok, id)
	r := s.do("POST", "/api/v1/collections/"+id+"/subscribe", tok, map[string]bool{"accepted": true}).must(t, 200)
	if collectionOf(r)["subscribe_granted"] != true {
		t.Fatalf("%s", r.Body)
	}
	s.payAndWaitForReview(tok, id)
	staff := s.staffLogin("reviewer")
	claim := s.do("POST", "/admin/api/v1/reviews/claim", staff, nil).must(t, 200)
	rid := claim.JSON["review"].(map[string]any)["id"]
	s.do("POST", fmt.Sprintf("/admin/api/v1/reviews/%v/decision", rid), staff, `{"decision":"approve"}`).must(t, 200)
	waitFor(t, "the subscribe message", 10*time.Second, func() bool {
		list, _ := s.do("GET", "/sandbox/subscribe/messages", "", nil).JSON["messages"].([]any)
		for _, m := range list {
			mm := m.(map[string]any)
			if mm["touser"] == "sandbox-subscriber" && mm["template_id"] == "tmpl-approved" {
				return true
			}
		}
		return false
	})
	s.waitForSMS(liSi.Phone, "审核成功")
}
