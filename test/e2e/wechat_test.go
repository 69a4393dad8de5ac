package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gradphoto/gradphoto/internal/app"
	"github.com/gradphoto/gradphoto/internal/config"
	"github.com/gradphoto/gradphoto/internal/sandbox"
)

// phoneCode gets a fresh getPhoneNumber code for phone from the sandbox (what the
// button hands the mini-program).
func (s *server) phoneCode(phone string) string {
	s.t.Helper()
	return s.do("POST", "/sandbox/wx/phone-code", "", map[string]string{"phone": phone}).must(s.t, 200).JSON["code"].(string)
}

func errDetails(r *response) map[string]any {
	e, _ := r.JSON["error"].(map[string]any)
	d, _ := e["details"].(map[string]any)
	return d
}

// TestPhoneCodeRetry: a typo in the name costs no phone code (the roster is matched
// before the single-use code is exchanged), so the retry with the right name and the
// same code works; a spent code is marked so the client drops it, and a code never
// serves another account.
func TestPhoneCodeRetry(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, s *server) {
		tok := s.login("phone-retry")
		code := s.phoneCode(zhangSan.Phone)
		body := func(name, code string) map[string]string {
			return map[string]string{"school_id": app.DemoSchoolID, "level": zhangSan.Level, "name": name, "student_no": zhangSan.No, "phone_code": code}
		}
		r := s.do("POST", "/api/v1/collections", tok, body("张叁", code)).must(t, 422)
		if r.errCode() != "student_not_found" || errDetails(r)["phone_code_used"] != nil {
			t.Fatalf("typo: %s", r.Body)
		}
		r = s.do("POST", "/api/v1/collections", tok, body(zhangSan.Name, code)).must(t, 201)
		if c := collectionOf(r); c["phone_masked"] != "138****0001" {
			t.Fatalf("retry with the right name: %s", r.Body)
		}

		// The same (now spent) code from another account: WeChat refuses it (40029).
		other := s.login("phone-thief")
		r = s.do("POST", "/api/v1/collections", other, map[string]string{"school_id": app.DemoSchoolID, "level": liSi.Level,
			"name": liSi.Name, "student_no": liSi.No, "phone_code": code}).must(t, 422)
		if r.errCode() != "phone_code_invalid" {
			t.Fatalf("spent code on another account: %s", r.Body)
		}
		// A number that is not the roster's, at a school that compares phones (match_phone):
		// refused, and the spent code is flagged.
		s.do("PATCH", "/admin/api/v1/schools/"+app.DemoSchoolID, s.staffLogin("admin"), map[string]any{"match_phone": true}).must(t, 200)
		r = s.do("POST", "/api/v1/collections", other, map[string]string{"school_id": app.DemoSchoolID, "level": liSi.Level,
			"name": liSi.Name, "student_no": liSi.No, "phone_code": s.phoneCode("13912345678")}).must(t, 422)
		if r.errCode() != "student_not_found" || errDetails(r)["phone_code_used"] != true {
			t.Fatalf("another number: %s", r.Body)
		}
		// Typing the phone instead works.
		r = s.do("POST", "/api/v1/collections", other, map[string]string{"school_id": app.DemoSchoolID, "level": liSi.Level,
			"name": liSi.Name, "student_no": liSi.No, "phone": liSi.Phone}).must(t, 201)
		if c := collectionOf(r); c["phone_masked"] != "138****0002" {
			t.Fatalf("typed phone: %s", r.Body)
		}
	})
}

// subscribeMessages lists the sandbox's delivered subscribe messages to openid.
func (s *server) subscribeMessages(openid string) []map[string]any {
	var out []map[string]any
	list, _ := s.do("GET", "/sandbox/subscribe/messages", "", nil).JSON["messages"].([]any)
	for _, m := range list {
		if mm := m.(map[string]any); mm["touser"] == openid {
			out = append(out, mm)
		}
	}
	return out
}

// accept has the student tap 允许 (the sandbox stands in for wx.requestSubscribeMessage)
// and reports the accepted ids to gradphoto, as the mini-program does.
func (s *server) accept(tok, openid, id string, templates ...string) map[string]any {
	s.t.Helper()
	s.do("POST", "/sandbox/wx/subscribe", "", map[string]any{"openid": openid, "tmplIds": templates}).must(s.t, 200)
	return collectionOf(s.do("POST", "/api/v1/collections/"+id+"/subscribe", tok, map[string]any{"accepted": templates}).must(s.t, 200))
}

func (s *server) decide(decision string) {
	s.t.Helper()
	staff := s.staffLogin("reviewer")
	claim := s.do("POST", "/admin/api/v1/reviews/claim", staff, nil).must(s.t, 200)
	rid := claim.JSON["review"].(map[string]any)["id"]
	body := `{"decision":"approve"}`
	if decision == "reject" {
		body = `{"decision":"reject","reasons":["头发遮挡眉毛"]}`
	}
	s.do("POST", fmt.Sprintf("/admin/api/v1/reviews/%v/decision", rid), staff, body).must(s.t, 200)
}

var wechatTime = regexp.MustCompile(`^\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}$`)

// TestSubscribeMessage: the demo templates of sandbox mode; each acceptance is used up by
// one result (the real SDK against a sandbox that answers 43101 to a second send); a
// result with no acceptance left goes by SMS only; accepting again on 重新上传 brings
// the next result to WeChat; messages open pages/review/review with WeChat's time format.
func TestSubscribeMessage(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, s *server) {
		info := s.do("GET", "/api/v1/info", "", nil).must(t, 200)
		if fmt.Sprint(info.JSON["subscribe_template_ids"]) != fmt.Sprintf("[%s %s]", sandbox.DemoTemplateApproved, sandbox.DemoTemplateRejected) {
			t.Fatalf("info: %s", info.Body)
		}
		both := []string{sandbox.DemoTemplateApproved, sandbox.DemoTemplateRejected}
		const openid = "sandbox-subscriber"
		tok := s.login("subscriber")
		id := s.verify(tok, liSi)
		s.photoOK(tok, id)
		r := s.do("POST", "/api/v1/collections/"+id+"/subscribe", tok, map[string]any{"accepted": []string{"tmpl-not-ours"}}).must(t, 400)
		if r.errCode() != "invalid_field" {
			t.Fatalf("unknown template: %s", r.Body)
		}
		if c := s.accept(tok, openid, id, both...); c["subscribe_granted"] != true || fmt.Sprint(c["subscribed"]) != fmt.Sprint(both) {
			t.Fatalf("after accepting: %v", c)
		}
		s.payAndWaitForReview(tok, id)

		// Round 1: rejected → delivered, the rejection's acceptance used up.
		s.decide("reject")
		waitFor(t, "the rejection in WeChat", 10*time.Second, func() bool { return len(s.subscribeMessages(openid)) == 1 })
		m := s.subscribeMessages(openid)[0]
		data := m["data"].(map[string]any)
		if m["template_id"] != sandbox.DemoTemplateRejected || m["page"] != "pages/review/review?id="+id ||
			!wechatTime.MatchString(data["time3"].(string)) || data["thing2"] != "头发遮挡眉毛" {
			t.Fatalf("rejection message: %v", m)
		}
		s.waitForSMS(liSi.Phone, "审核失败")
		if c := collectionOf(s.do("GET", "/api/v1/collections/"+id, tok, nil)); fmt.Sprint(c["subscribed"]) != "["+sandbox.DemoTemplateApproved+"]" {
			t.Fatalf("subscribed after the rejection: %v", c["subscribed"])
		}

		// Round 2: re-upload without accepting again → rejected again: SMS only.
		s.reupload(tok, id)
		s.decide("reject")
		waitFor(t, "the second rejection SMS", 10*time.Second, func() bool {
			list, _ := s.do("GET", "/sandbox/sms?phone="+liSi.Phone, "", nil).JSON["messages"].([]any)
			return len(list) == 2
		})
		time.Sleep(200 * time.Millisecond) // the outbox polls every 50 ms: a wrong send would show by now
		if n := len(s.subscribeMessages(openid)); n != 1 {
			t.Fatalf("%d subscribe messages after a result with no acceptance left, want 1", n)
		}
		if strings.Contains(s.Logs.String(), "43101") {
			t.Fatal("a send was attempted without an acceptance (43101 in the logs)")
		}

		// Round 3: 重新上传 asks again; the approval reaches WeChat.
		s.accept(tok, openid, id, both...)
		s.reupload(tok, id)
		s.decide("approve")
		waitFor(t, "the approval in WeChat", 10*time.Second, func() bool { return len(s.subscribeMessages(openid)) == 2 })
		if m := s.subscribeMessages(openid)[1]; m["template_id"] != sandbox.DemoTemplateApproved || m["title"] != "照片审核通过通知" {
			t.Fatalf("approval message: %v", m)
		}
	})
}

// TestPaymentOnReadPromotionShipping: back from wx.requestPayment with no notification,
// reading the collection queries WeChat Pay and shows it paid; a WeChat-funded discount
// (promotion_detail) is a payment like any other; every payment's shipping info reaches
// WeChat (the sandbox merchant is trade-managed), through the real SDK's token.
func TestPaymentOnReadPromotionShipping(t *testing.T) {
	fastShipping := func(cfg *config.Config) { cfg.Pay.ShippingInterval = 100 * time.Millisecond }
	each := func(t *testing.T, s *server) {
		order := func(tok, id string) string {
			r := s.do("POST", "/api/v1/collections/"+id+"/order", tok, nil).must(t, 200)
			return r.JSON["order"].(map[string]any)["out_trade_no"].(string)
		}
		tok := s.login("on-read")
		id := s.verify(tok, zhangSan)
		s.photoOK(tok, id)
		otn := order(tok, id)
		s.do("POST", "/sandbox/pay/transactions/"+otn+"/succeed?notify=0", "", nil).must(t, 200)
		c := collectionOf(s.do("GET", "/api/v1/collections/"+id, tok, nil).must(t, 200))
		if c["status"] != "in_review" || c["order"].(map[string]any)["status"] != "paid" {
			t.Fatalf("read after paying without a notification: %v", c)
		}

		tok2 := s.login("coupon")
		id2 := s.verify(tok2, liSi)
		s.photoOK(tok2, id2)
		otn2 := order(tok2, id2)
		s.do("POST", "/sandbox/pay/transactions/"+otn2+"/succeed?coupon_fen=500", "", nil).must(t, 200)
		waitFor(t, "the discounted payment applied", 10*time.Second, func() bool {
			return collectionOf(s.do("GET", "/api/v1/collections/"+id2, tok2, nil))["status"] == "in_review"
		})
		if strings.Contains(s.Logs.String(), "ALERT payment anomaly") {
			t.Fatal("a discounted payment was taken for an anomaly")
		}

		waitFor(t, "both orders' shipping info at WeChat", 10*time.Second, func() bool {
			list, _ := s.do("GET", "/sandbox/shipping/uploads", "", nil).JSON["uploads"].([]any)
			seen := map[string]string{}
			for _, u := range list {
				m := u.(map[string]any)
				seen[m["out_trade_no"].(string)] = m["payer"].(string)
			}
			return seen[otn] == "sandbox-on-read" && seen[otn2] == "sandbox-coupon"
		})
	}
	t.Run("sqlite", func(t *testing.T) { each(t, startServer(t, fastShipping)) })
	t.Run("mysql", func(t *testing.T) { each(t, startServer(t, onMySQL(t), fastShipping)) })
}
