package e2e

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/gradphoto/gradphoto/internal/app"
)

// The season tools (api.md "Additions — season tools"), each call per role, allowed
// and refused, on SQLite and MariaDB.

const adminAPI = "/admin/api/v1"

// auditHas reports whether the trail has an entry of action on target whose detail
// holds every pair of want.
func (s *server) auditHas(admin, action, target string, want map[string]any) bool {
	s.t.Helper()
	r := s.do("GET", adminAPI+"/audit?action="+action, admin, nil).must(s.t, 200)
	for _, e := range r.JSON["entries"].([]any) {
		e := e.(map[string]any)
		if e["target"] != target || e["actor"] == "" || e["at"] == nil {
			continue
		}
		d, _ := e["detail"].(map[string]any)
		ok := true
		for k, v := range want {
			ok = ok && fmt.Sprint(d[k]) == fmt.Sprint(v)
		}
		if ok {
			return true
		}
	}
	return false
}

// decideAs claims the only pending review as reviewer and decides it with body.
func (s *server) decideAs(reviewer, body string) {
	s.t.Helper()
	claim := s.do("POST", adminAPI+"/reviews/claim", reviewer, nil).must(s.t, 200).JSON["review"].(map[string]any)
	s.do("POST", fmt.Sprintf("%s/reviews/%v/decision", adminAPI, claim["id"]), reviewer, body).must(s.t, 200)
}

// smsCount counts the sandbox's SMS to phone that contain want.
func (s *server) smsCount(phone, want string) int {
	s.t.Helper()
	n := 0
	for _, m := range s.do("GET", "/sandbox/sms?phone="+phone, "", nil).must(s.t, 200).JSON["messages"].([]any) {
		if t, _ := m.(map[string]any)["text"].(string); strings.Contains(t, want) {
			n++
		}
	}
	return n
}

func TestSupportFindsRevealsUnbindsResends(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, s *server) {
		support, admin := s.staffLogin("support"), s.staffLogin("admin")
		schoolAdmin, reviewer := s.staffLogin("school_admin"), s.staffLogin("reviewer")
		old := s.login("zhangsan-old-phone")
		id := s.verify(old, zhangSan)

		// Found by name within the school; the phone stays masked in the look-up.
		q := adminAPI + "/lookup?school_id=" + app.DemoSchoolID + "&name="
		r := s.do("GET", q+url.QueryEscape("张三"), support, nil).must(t, 200)
		res := r.JSON["results"].([]any)
		if len(res) != 1 || res[0].(map[string]any)["collection"].(map[string]any)["id"] != id || bytes.Contains(r.Body, []byte(zhangSan.Phone)) {
			t.Fatalf("look-up by name: %s", r.Body)
		}
		for _, c := range []struct {
			path   string
			token  string
			status int
			code   string
		}{
			{q + url.QueryEscape("张"), support, 400, "name_too_short"},
			{adminAPI + "/lookup?name=" + url.QueryEscape("张三"), support, 400, "school_required"},
			{adminAPI + "/lookup?school_id=nowhere&name=" + url.QueryEscape("张三"), support, 404, "school_not_found"},
			{q + url.QueryEscape("无此人"), admin, 404, "student_not_found"},
			{q + url.QueryEscape("张三"), schoolAdmin, 403, "forbidden"},
			{q + url.QueryEscape("张三"), reviewer, 403, "forbidden"},
		} {
			if got := s.do("GET", c.path, c.token, nil).must(t, c.status).errCode(); got != c.code {
				t.Errorf("%s: code %q, want %q", c.path, got, c.code)
			}
		}

		// The full phone, with a reason, audited; without a reason a 400 naming the field.
		reveal := adminAPI + "/collections/" + id + "/reveal-phone"
		r = s.do("POST", reveal, support, map[string]string{"reason": " "}).must(t, 400)
		if r.errCode() != "reason_required" || r.JSON["error"].(map[string]any)["details"].(map[string]any)["field"] != "reason" {
			t.Fatalf("reveal without a reason: %s", r.Body)
		}
		s.do("POST", reveal, schoolAdmin, map[string]string{"reason": "核实身份"}).must(t, 403)
		s.do("POST", reveal, reviewer, map[string]string{"reason": "核实身份"}).must(t, 403)
		s.do("POST", adminAPI+"/collections/c_nosuch/reveal-phone", support, map[string]string{"reason": "核实身份"}).must(t, 404)
		r = s.do("POST", reveal, support, map[string]string{"reason": "学生来电核实身份"}).must(t, 200)
		if r.JSON["phone"] != zhangSan.Phone || r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("reveal: %s %v", r.Body, r.Header)
		}
		if !s.auditHas(admin, "phone_reveal", id, map[string]any{"reason": "学生来电核实身份"}) {
			t.Fatal("the reveal is not in the audit trail with its reason")
		}

		// No result yet: nothing to resend.
		resend := adminAPI + "/collections/" + id + "/resend-result"
		if code := s.do("POST", resend, support, nil).must(t, 409).errCode(); code != "no_review_result" {
			t.Fatalf("resend without a result: %s", code)
		}

		// Unbound: the old account loses the collection, a new account verifies as 张三
		// and gets the same collection; the old one is now the one refused.
		unbind := adminAPI + "/collections/" + id + "/unbind"
		if r := s.do("POST", unbind, support, map[string]string{}).must(t, 400); r.JSON["error"].(map[string]any)["details"].(map[string]any)["field"] != "reason" {
			t.Fatalf("unbind without a reason: %s", r.Body)
		}
		s.do("POST", unbind, schoolAdmin, map[string]string{"reason": "换了微信"}).must(t, 403)
		s.do("POST", adminAPI+"/collections/c_nosuch/unbind", support, map[string]string{"reason": "换了微信"}).must(t, 404)
		s.do("POST", unbind, support, map[string]string{"reason": "学生换了微信账号"}).must(t, 200)
		if code := s.do("POST", unbind, support, map[string]string{"reason": "again"}).must(t, 409).errCode(); code != "not_bound" {
			t.Fatalf("unbinding twice: %s", code)
		}
		s.do("GET", "/api/v1/collections/"+id, old, nil).must(t, 404)
		if l := s.do("GET", "/api/v1/collections", old, nil).must(t, 200).JSON["collections"].([]any); len(l) != 0 {
			t.Fatalf("the old account still lists %d collections", len(l))
		}
		if !s.auditHas(admin, "unbind", id, map[string]any{"reason": "学生换了微信账号"}) {
			t.Fatal("the unbind is not in the audit trail with its reason")
		}
		fresh := s.login("zhangsan-new-phone")
		r = s.do("POST", "/api/v1/collections", fresh, map[string]string{
			"school_id": app.DemoSchoolID, "level": zhangSan.Level, "name": zhangSan.Name, "student_no": zhangSan.No, "phone": "13900000099",
		}).must(t, 200)
		if collectionOf(r)["id"] != id {
			t.Fatalf("the new account got another collection: %s", r.Body)
		}
		s.do("GET", "/api/v1/collections/"+id, fresh, nil).must(t, 200)
		if code := s.do("POST", "/api/v1/collections", old, map[string]string{
			"school_id": app.DemoSchoolID, "level": zhangSan.Level, "name": zhangSan.Name, "student_no": zhangSan.No, "phone": zhangSan.Phone,
		}).must(t, 409).errCode(); code != "already_bound" {
			t.Fatalf("the old account verifying again: %s", code)
		}

		// The new account goes on; a result is sent, and support resends it to the new number.
		s.do("POST", "/api/v1/collections/"+id+"/confirm", fresh, nil).must(t, 200)
		s.photoOK(fresh, id)
		s.payAndWaitForReview(fresh, id)
		s.decideAs(reviewer, `{"decision":"approve"}`)
		s.waitForSMS("13900000099", "审核成功")
		s.do("POST", resend, reviewer, nil).must(t, 403)
		s.do("POST", resend, schoolAdmin, nil).must(t, 403)
		s.do("POST", adminAPI+"/collections/c_nosuch/resend-result", support, nil).must(t, 404)
		if r := s.do("POST", resend, support, nil).must(t, 200); r.JSON["result"] != "approved" {
			t.Fatalf("resend: %s", r.Body)
		}
		waitFor(t, "the resent SMS", 10e9, func() bool { return s.smsCount("13900000099", "审核成功") == 2 })
		if !s.auditHas(admin, "result_resend", id, map[string]any{"result": "approved"}) {
			t.Fatal("the resend is not in the audit trail")
		}
	})
}

func TestCallbackList(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, s *server) {
		support, reviewer, schoolAdmin := s.staffLogin("support"), s.staffLogin("reviewer"), s.staffLogin("school_admin")
		tok := s.login("twice-rejected")
		id := s.verify(tok, liSi)
		s.photoOK(tok, id)
		s.payAndWaitForReview(tok, id)
		list := func() []any {
			return s.do("GET", adminAPI+"/callbacks", support, nil).must(t, 200).JSON["callbacks"].([]any)
		}
		s.decideAs(reviewer, `{"decision":"reject","reasons":["双耳外露"]}`)
		if l := list(); len(l) != 0 {
			t.Fatalf("one rejection is no call-back: %v", l)
		}
		s.reupload(tok, id)
		s.decideAs(reviewer, `{"decision":"reject","reasons":["表情自然"],"note":"请摘下眼镜"}`)
		l := list()
		if len(l) != 1 {
			t.Fatalf("call-backs: %v", l)
		}
		cb := l[0].(map[string]any)
		if cb["reason"] != "rejected_twice" || cb["rounds"] != float64(2) || cb["collection"].(map[string]any)["id"] != id {
			t.Fatalf("call-back: %v", cb)
		}
		s.do("GET", adminAPI+"/callbacks", schoolAdmin, nil).must(t, 403)
		s.do("GET", adminAPI+"/callbacks", reviewer, nil).must(t, 403)

		// The student sees the reviewer's note on the review page.
		c := collectionOf(s.do("GET", "/api/v1/collections/"+id, tok, nil).must(t, 200))
		if c["review_note"] != "请摘下眼镜" || c["status"] != "rejected" {
			t.Fatalf("review note: %v", c)
		}
		// A third photo in review: no call needed any more.
		s.reupload(tok, id)
		if l := list(); len(l) != 0 {
			t.Fatalf("a student with a photo in review is still to call: %v", l)
		}
	})
}

// xlsxStudents reads the 学号 column of a student list.
func xlsxStudents(t *testing.T, data []byte) []string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("学生名单")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 || rows[0][0] != "学号" {
		t.Fatalf("header: %v", rows)
	}
	var out []string
	for _, r := range rows[1:] {
		out = append(out, r[0])
	}
	return out
}

func TestSchoolAdminCorrectsListsReminds(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, s *server) {
		schoolAdmin, otherAdmin := s.staffLogin("school_admin"), s.staffLogin("school_admin_bj")
		support, admin := s.staffLogin("support"), s.staffLogin("admin")
		east := adminAPI + "/schools/" + app.DemoSchoolID

		// Correct one roster phone, add one student; scope and roles are checked.
		put := func(token, no string, body any) *response {
			return s.do("PUT", east+"/students/"+no, token, body)
		}
		r := put(schoolAdmin, liSi.No, map[string]any{"name": liSi.Name, "level": "本科", "phone": "13811112222"}).must(t, 200)
		if st := r.JSON["student"].(map[string]any); st["phone_masked"] != "138****2222" || st["student_no"] != liSi.No {
			t.Fatalf("correct: %s", r.Body)
		}
		put(schoolAdmin, "2019099999", map[string]any{"name": "新同学", "level": "专科", "phone": "13833334444"}).must(t, 201)
		if code := put(schoolAdmin, "2019099998", map[string]any{"name": "新同学", "level": "博士"}).must(t, 400).errCode(); code != "student_invalid" {
			t.Fatalf("bad level: %s", code)
		}
		put(otherAdmin, liSi.No, map[string]any{"name": liSi.Name, "level": "本科"}).must(t, 404)
		put(support, liSi.No, map[string]any{"name": liSi.Name, "level": "本科"}).must(t, 403)
		s.do("PUT", adminAPI+"/schools/nowhere/students/1", admin, map[string]any{"name": "某", "level": "本科"}).must(t, 404)
		if !s.auditHas(admin, "roster_entry", app.DemoSchoolID+"/"+liSi.No, map[string]any{"created": false, "phone": "138****2222"}) {
			t.Fatal("the correction is not audited")
		}

		// Two unpaid students (one verified only, one with a photo), the rest not started.
		payer := s.login("season-unpaid-1")
		s.verify(payer, wangWu)
		other := s.login("season-unpaid-2")
		s.readyToPay(other, zhaoLiu)

		r = s.do("GET", east+"/students.xlsx?status=unpaid", schoolAdmin, nil).must(t, 200)
		if !strings.Contains(r.Header.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("content type %q", r.Header.Get("Content-Type"))
		}
		if got := xlsxStudents(t, r.Body); fmt.Sprint(got) != fmt.Sprint([]string{zhaoLiu.No, wangWu.No}) && fmt.Sprint(got) != fmt.Sprint([]string{wangWu.No, zhaoLiu.No}) {
			t.Fatalf("unpaid list: %v", got)
		}
		notStarted := xlsxStudents(t, s.do("GET", east+"/students.xlsx?status=not_started", schoolAdmin, nil).must(t, 200).Body)
		stats := s.do("GET", east+"/stats", schoolAdmin, nil).must(t, 200).JSON["by_status"].(map[string]any)
		if float64(len(notStarted)) != stats["not_started"] || !contains(notStarted, "2019099999") || contains(notStarted, wangWu.No) {
			t.Fatalf("not-started list (%d): %v", len(notStarted), notStarted)
		}
		s.do("GET", east+"/students.xlsx?status=nonsense", schoolAdmin, nil).must(t, 400)
		s.do("GET", east+"/students.xlsx", otherAdmin, nil).must(t, 404)
		s.do("GET", east+"/students.xlsx", support, nil).must(t, 403)

		// Reminders: exactly the unpaid students, once a day.
		remind := func(token, status string) *response {
			return s.do("POST", east+"/reminders", token, map[string]string{"status": status})
		}
		if r := remind(schoolAdmin, "unpaid").must(t, 200); r.JSON["sent"] != float64(2) || r.JSON["skipped"] != float64(0) {
			t.Fatalf("reminders: %s", r.Body)
		}
		if r := remind(admin, "unpaid").must(t, 200); r.JSON["sent"] != float64(0) || r.JSON["skipped"] != float64(2) {
			t.Fatalf("second reminders the same day: %s", r.Body)
		}
		if r := remind(schoolAdmin, "rejected").must(t, 200); r.JSON["sent"] != float64(0) {
			t.Fatalf("reminders to nobody: %s", r.Body)
		}
		if code := remind(schoolAdmin, "approved").must(t, 400).errCode(); code != "reminder_status_invalid" {
			t.Fatalf("reminders to approved: %s", code)
		}
		remind(otherAdmin, "unpaid").must(t, 404)
		remind(support, "unpaid").must(t, 403)
		for _, st := range []student{wangWu, zhaoLiu} {
			waitFor(t, "the reminder to "+st.Name, 10e9, func() bool { return s.smsCount(st.Phone, "尚未完成支付") == 1 })
		}
		if n := s.smsCount(zhangSan.Phone, "提醒"); n != 0 {
			t.Fatalf("a student who was not unpaid got %d reminders", n)
		}
		if !s.auditHas(admin, "reminders", app.DemoSchoolID, map[string]any{"status": "unpaid", "sent": 2, "skipped": 0}) {
			t.Fatal("the reminders are not audited with their counts")
		}
	})
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func TestStaffAccounts(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, s *server) {
		admin, support := s.staffLogin("admin"), s.staffLogin("support")
		r := s.do("GET", adminAPI+"/staff", admin, nil).must(t, 200)
		if len(r.JSON["staff"].([]any)) < 6 || bytes.Contains(r.Body, []byte("$2a$")) || bytes.Contains(r.Body, []byte("hash")) {
			t.Fatalf("staff list: %s", r.Body)
		}
		s.do("GET", adminAPI+"/staff", support, nil).must(t, 403)
		s.do("POST", adminAPI+"/staff", support, map[string]string{"username": "x", "role": "support", "password": "long-enough"}).must(t, 403)

		r = s.do("POST", adminAPI+"/staff", admin, map[string]string{"username": "new_school_admin", "role": "school_admin",
			"school_id": app.DemoSchoolID, "password": "first-password"}).must(t, 201)
		acc := r.JSON["staff"].(map[string]any)
		if acc["role"] != "school_admin" || acc["school_id"] != app.DemoSchoolID || acc["disabled"] != false || bytes.Contains(r.Body, []byte("$2a$")) {
			t.Fatalf("create: %s", r.Body)
		}
		path := fmt.Sprintf("%s/staff/%v", adminAPI, acc["id"])
		for _, c := range []struct {
			body   map[string]string
			status int
			code   string
		}{
			{map[string]string{"username": "new_school_admin", "role": "support", "password": "first-password"}, 409, "staff_exists"},
			{map[string]string{"username": "y", "role": "school_admin", "school_id": "nowhere", "password": "first-password"}, 400, "school_not_found"},
			{map[string]string{"username": "y", "role": "boss", "password": "first-password"}, 400, "role_invalid"},
			{map[string]string{"username": "y", "role": "support", "password": "short"}, 400, "password_invalid"},
		} {
			if got := s.do("POST", adminAPI+"/staff", admin, c.body).must(t, c.status).errCode(); got != c.code {
				t.Errorf("%v: %q, want %q", c.body, got, c.code)
			}
		}
		login := func(pw string) *response {
			return s.do("POST", adminAPI+"/login", "", map[string]string{"username": "new_school_admin", "password": pw})
		}
		tok := login("first-password").must(t, 200).JSON["token"].(string)
		s.do("GET", adminAPI+"/schools/"+app.DemoSchoolID+"/stats", tok, nil).must(t, 200)
		if r := s.do("GET", adminAPI+"/staff", admin, nil).must(t, 200); !bytes.Contains(r.Body, []byte(`"last_login_at":"`)) {
			t.Fatalf("no last login shown: %s", r.Body)
		}

		// A password reset ends the session; a disabled account cannot log in.
		s.do("PATCH", path, admin, map[string]string{"password": "second-password"}).must(t, 200)
		s.do("GET", adminAPI+"/schools/"+app.DemoSchoolID+"/stats", tok, nil).must(t, 401)
		login("first-password").must(t, 401)
		tok = login("second-password").must(t, 200).JSON["token"].(string)
		r = s.do("PATCH", path, admin, map[string]any{"disabled": true}).must(t, 200)
		if r.JSON["staff"].(map[string]any)["disabled"] != true {
			t.Fatalf("disable: %s", r.Body)
		}
		s.do("GET", adminAPI+"/schools/"+app.DemoSchoolID+"/stats", tok, nil).must(t, 401)
		if code := login("second-password").must(t, 401).errCode(); code != "login_failed" {
			t.Fatalf("a disabled account's login: %s", code)
		}
		// A role change moves the account; the school goes with the school_admin role.
		r = s.do("PATCH", path, admin, map[string]any{"disabled": false, "role": "support"}).must(t, 200)
		if a := r.JSON["staff"].(map[string]any); a["role"] != "support" || a["school_id"] != nil {
			t.Fatalf("role change: %s", r.Body)
		}
		s.do("PATCH", path, admin, map[string]any{"role": "reviewer", "school_id": app.DemoSchoolID}).must(t, 400)
		s.do("PATCH", adminAPI+"/staff/999999", admin, map[string]any{"disabled": true}).must(t, 404)
		s.do("PATCH", adminAPI+"/staff/x", admin, map[string]any{"disabled": true}).must(t, 404)
		s.do("PATCH", path, support, map[string]any{"disabled": true}).must(t, 403)

		// An admin cannot lock themselves out.
		var self any
		for _, a := range s.do("GET", adminAPI+"/staff", admin, nil).must(t, 200).JSON["staff"].([]any) {
			if a.(map[string]any)["username"] == "admin" {
				self = a.(map[string]any)["id"]
			}
		}
		if code := s.do("PATCH", fmt.Sprintf("%s/staff/%v", adminAPI, self), admin, map[string]any{"disabled": true}).must(t, 409).errCode(); code != "staff_self_lockout" {
			t.Fatalf("self lockout: %s", code)
		}
		if !s.auditHas(admin, "staff_update", "new_school_admin", map[string]any{"disabled": true}) ||
			!s.auditHas(admin, "staff_create", "new_school_admin", map[string]any{"role": "school_admin"}) {
			t.Fatal("staff changes are not audited")
		}
	})
}

func TestStudentSeesOrderRefundAndContactPhone(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, s *server) {
		support, admin := s.staffLogin("support"), s.staffLogin("admin")
		// The phone is a contact number: by default another number than the roster's verifies.
		tok := s.login("contact-phone")
		r := s.do("POST", "/api/v1/collections", tok, map[string]string{
			"school_id": app.DemoSchoolID, "level": liSi.Level, "name": liSi.Name, "student_no": liSi.No, "phone": "13900000077",
		}).must(t, 201)
		id := collectionOf(r)["id"].(string)
		s.do("POST", "/api/v1/collections/"+id+"/confirm", tok, nil).must(t, 200)
		// A school that turns match_phone on refuses a different number.
		s.do("PATCH", adminAPI+"/schools/"+app.DemoSchoolID, admin, map[string]any{"match_phone": true}).must(t, 200)
		if code := s.do("POST", "/api/v1/collections", s.login("contact-phone-2"), map[string]string{
			"school_id": app.DemoSchoolID, "level": wangWu.Level, "name": wangWu.Name, "student_no": wangWu.No, "phone": "13900000078",
		}).must(t, 422).errCode(); code != "student_not_found" {
			t.Fatalf("match_phone on: %s", code)
		}
		s.do("PATCH", adminAPI+"/schools/"+app.DemoSchoolID, admin, map[string]any{"match_phone": false}).must(t, 200)

		// Paid: the order block has its number, amount and paid time, no refund.
		s.photoOK(tok, id)
		s.payAndWaitForReview(tok, id)
		o := collectionOf(s.do("GET", "/api/v1/collections/"+id, tok, nil).must(t, 200))["order"].(map[string]any)
		if o["out_trade_no"] == "" || o["amount_fen"] != float64(2000) || o["paid_at"] == nil || o["refund"] != nil {
			t.Fatalf("order block: %v", o)
		}
		// Refunded: the student sees the refund with its amount and time.
		s.do("POST", adminAPI+"/orders/"+o["out_trade_no"].(string)+"/refund", support, map[string]string{"reason": "学生申请"}).must(t, 200)
		var c map[string]any
		waitFor(t, "the refund", 10e9, func() bool {
			c = collectionOf(s.do("GET", "/api/v1/collections/"+id, tok, nil).must(t, 200))
			ref, _ := c["order"].(map[string]any)["refund"].(map[string]any)
			return ref != nil && ref["status"] == "refunded" && ref["at"] != nil
		})
		if ref := c["order"].(map[string]any)["refund"].(map[string]any); ref["amount_fen"] != float64(2000) || c["status"] != "photo_ok" {
			t.Fatalf("refund seen by the student: %v", c)
		}
	})
}
