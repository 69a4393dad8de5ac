package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gradphoto/gradphoto/internal/config"
)

// TestFirstHalfOfJourney is the foundation's acceptance path: log in with a sandbox
// code, find the school by 石大, verify 张三, confirm, read the collection back.
func TestFirstHalfOfJourney(t *testing.T) {
	s := startServer(t)
	tok := s.login("anything")

	r := s.do("GET", "/api/v1/schools?q="+url.QueryEscape("石大"), "", nil).must(t, 200)
	schools := r.JSON["schools"].([]any)
	first := schools[0].(map[string]any)
	if first["name"] != "中国石油大学（华东）" || first["id"] != "upc-east" {
		t.Fatalf("石大 should find 中国石油大学（华东） first, got %v", schools)
	}
	if lv := fmt.Sprint(first["levels"]); lv != "[本科 专科]" {
		t.Fatalf("levels %s", lv)
	}

	r = s.do("POST", "/api/v1/collections", tok, map[string]string{
		"school_id": "upc-east", "level": "本科", "name": "张三", "student_no": "2019010001", "phone": "13800000001",
	}).must(t, 201)
	c := collectionOf(r)
	if c["status"] != "unconfirmed" || c["phone_masked"] != "138****0001" || c["already_has_chsi_photo"] != false {
		t.Fatalf("created collection: %s", r.Body)
	}
	if strings.Contains(string(r.Body), "13800000001") {
		t.Fatal("unmasked phone number in a response")
	}
	id := c["id"].(string)
	s.do("POST", "/api/v1/collections/"+id+"/confirm", tok, nil).must(t, 200)

	r = s.do("GET", "/api/v1/collections/"+id, tok, nil).must(t, 200)
	if got := collectionOf(r)["status"]; got != "confirmed" {
		t.Fatalf("status %v, want confirmed", got)
	}
	school := collectionOf(r)["school"].(map[string]any)
	if school["name"] != "中国石油大学（华东）" {
		t.Fatalf("school %v", school)
	}
	list := s.do("GET", "/api/v1/collections", tok, nil).must(t, 200).JSON["collections"].([]any)
	if len(list) != 1 {
		t.Fatalf("list: %v", list)
	}
	// Logging in again (a new wx.login code for the same WeChat user) finds the same account.
	tok2 := s.login("anything")
	if n := len(s.do("GET", "/api/v1/collections", tok2, nil).must(t, 200).JSON["collections"].([]any)); n != 1 {
		t.Fatalf("after a second login the student sees %d collections", n)
	}
	// Verifying again returns the same collection, not a second one.
	again := s.do("POST", "/api/v1/collections", tok, map[string]string{
		"school_id": "upc-east", "level": "本科", "name": "张三", "student_no": "2019010001", "phone": "13800000001",
	}).must(t, 200)
	if collectionOf(again)["id"] != id {
		t.Fatal("a repeated verification opened a second collection")
	}
}

func TestSchoolSearch(t *testing.T) {
	s := startServer(t)
	for _, q := range []string{"中国石油", "石大", "upc", "UPC", "zgsydx", "中国石油大学(华东)", "中国 石油 大学（华东）", "ＵＰＣ"} {
		r := s.do("GET", "/api/v1/schools?q="+url.QueryEscape(q), "", nil).must(t, 200)
		found := false
		for _, sc := range r.JSON["schools"].([]any) {
			found = found || sc.(map[string]any)["id"] == "upc-east"
		}
		if !found {
			t.Errorf("query %q did not find 中国石油大学（华东）: %s", q, r.Body)
		}
	}
	r := s.do("GET", "/api/v1/schools?q="+url.QueryEscape("清华"), "", nil).must(t, 200)
	if n := len(r.JSON["schools"].([]any)); n != 0 {
		t.Errorf("清华 found %d schools", n)
	}
	s.do("GET", "/api/v1/schools?limit=0", "", nil).must(t, 400)
	s.do("GET", "/api/v1/schools?q="+strings.Repeat("大", 100), "", nil).must(t, 400)
}

func TestVerificationRules(t *testing.T) {
	s := startServer(t)
	tok := s.login("first")
	body := func(st student, extra map[string]string) map[string]string {
		m := map[string]string{"school_id": "upc-east", "level": st.Level, "name": st.Name, "student_no": st.No, "phone": st.Phone}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}

	t.Run("no match", func(t *testing.T) {
		for _, b := range []map[string]string{
			body(zhangSan, map[string]string{"name": "张四"}),
			body(zhangSan, map[string]string{"level": "专科"}),
			body(zhangSan, map[string]string{"school_id": "upc-beijing"}),
		} {
			r := s.do("POST", "/api/v1/collections", tok, b).must(t, 422)
			if r.errCode() != "student_not_found" || !strings.Contains(string(r.Body), "信息无法确认，请联系学校核实您的信息") {
				t.Fatalf("%s", r.Body)
			}
		}
	})

	t.Run("name variants", func(t *testing.T) {
		other := s.login("variants")
		// Full-width digits in the 学号, spaces, and a different middle dot.
		r := s.do("POST", "/api/v1/collections", other, map[string]string{
			"school_id": "upc-east", "level": "本科", "name": " 阿依古丽•买买提 ", "student_no": "２０１９０１０００５", "phone": "13800000005",
		}).must(t, 201)
		if collectionOf(r)["name"] != "阿依古丽·买买提" {
			t.Fatalf("%s", r.Body)
		}
	})

	t.Run("already bound", func(t *testing.T) {
		s.verify(tok, liSi)
		other := s.login("intruder")
		r := s.do("POST", "/api/v1/collections", other, body(liSi, nil)).must(t, 409)
		if r.errCode() != "already_bound" || !strings.Contains(string(r.Body), "联系学校") {
			t.Fatalf("%s", r.Body)
		}
	})

	t.Run("someone else's collection is not found", func(t *testing.T) {
		id := s.verify(tok, wangWu)
		other := s.login("snoop")
		for _, p := range []string{"/api/v1/collections/" + id, "/api/v1/collections/" + id + "/photo"} {
			s.do("GET", p, other, nil).must(t, 404)
		}
		s.do("POST", "/api/v1/collections/"+id+"/confirm", other, nil).must(t, 404)
	})

	t.Run("already has a CHSI photo", func(t *testing.T) {
		r := s.do("POST", "/api/v1/collections", tok, body(zhaoLiu, nil)).must(t, 201)
		c := collectionOf(r)
		if c["already_has_chsi_photo"] != true || !strings.Contains(fmt.Sprint(c["notice"]), "学信网") {
			t.Fatalf("%s", r.Body)
		}
	})

	t.Run("phone code wins over a typed phone", func(t *testing.T) {
		other := s.login("phonecode")
		b := map[string]string{"school_id": "upc-east", "level": "本科", "name": "陈同学", "student_no": "2019010110", "phone": "13100000000", "phone_code": "phone-13900000010"}
		r := s.do("POST", "/api/v1/collections", other, b).must(t, 201)
		if collectionOf(r)["phone_masked"] != "139****0010" {
			t.Fatalf("%s", r.Body)
		}
		b["phone_code"] = "bogus"
		b["student_no"] = "2019010111"
		b["name"] = "刘同学"
		s.do("POST", "/api/v1/collections", other, b).must(t, 422)
	})

	t.Run("ten failures an hour, then 429", func(t *testing.T) {
		guesser := s.login("guesser")
		for i := 0; i < 10; i++ {
			s.do("POST", "/api/v1/collections", guesser, body(student{"张三", fmt.Sprintf("20190199%02d", i), "本科", "13800000001"}, nil)).must(t, 422)
		}
		r := s.do("POST", "/api/v1/collections", guesser, body(liSi, nil)).must(t, 429)
		if r.errCode() != "too_many_attempts" {
			t.Fatalf("%s", r.Body)
		}
	})
}

func TestBadInputIsA4xx(t *testing.T) {
	s := startServer(t)
	tok := s.login("bad")
	cases := []struct {
		name, method, path, token string
		body                      any
		status                    int
		code                      string
	}{
		{"no token", "GET", "/api/v1/collections", "", nil, 401, "unauthorized"},
		{"forged token", "GET", "/api/v1/collections", tok + "x", nil, 401, "unauthorized"},
		{"login without code", "POST", "/api/v1/auth/wechat-login", "", `{}`, 400, "code_required"},
		{"login with a refused code", "POST", "/api/v1/auth/wechat-login", "", `{"code":"nope"}`, 401, "wechat_login_failed"},
		{"malformed JSON", "POST", "/api/v1/collections", tok, `{"school_id":`, 400, "bad_json"},
		{"wrong type", "POST", "/api/v1/collections", tok, `{"school_id":1}`, 400, "bad_field_type"},
		{"unknown field", "POST", "/api/v1/collections", tok, `{"nope":1}`, 400, "unknown_field"},
		{"trailing data", "POST", "/api/v1/collections", tok, `{} {}`, 400, "bad_json"},
		{"missing fields", "POST", "/api/v1/collections", tok, `{"school_id":"upc-east"}`, 400, "invalid_field"},
		{"over-long name", "POST", "/api/v1/collections", tok, map[string]string{"school_id": "upc-east", "level": "本科", "name": strings.Repeat("张", 40), "student_no": "1", "phone": "13800000001"}, 400, "invalid_field"},
		{"bad phone", "POST", "/api/v1/collections", tok, map[string]string{"school_id": "upc-east", "level": "本科", "name": "张三", "student_no": "1", "phone": "12345"}, 400, "invalid_field"},
		{"unknown school", "POST", "/api/v1/collections", tok, map[string]string{"school_id": "nope", "level": "本科", "name": "张三", "student_no": "1", "phone": "13800000001"}, 404, "school_not_found"},
		{"bad level", "POST", "/api/v1/collections", tok, map[string]string{"school_id": "upc-east", "level": "博士", "name": "张三", "student_no": "1", "phone": "13800000001"}, 400, "level_invalid"},
		{"unknown collection", "GET", "/api/v1/collections/c_nope", tok, nil, 404, "collection_not_found"},
		{"huge body", "POST", "/api/v1/collections", tok, `{"name":"` + strings.Repeat("a", 70000) + `"}`, 413, "body_too_large"},
		{"no such route", "GET", "/api/v1/nope", tok, nil, 404, "not_found"},
		{"wrong method", "DELETE", "/api/v1/collections", tok, nil, 405, "method_not_allowed"},
		{"over-long login code", "POST", "/api/v1/auth/wechat-login", "", map[string]string{"code": "dev-" + strings.Repeat("a", 300)}, 400, "code_invalid"},
		{"JSON array body", "POST", "/api/v1/auth/wechat-login", "", `[]`, 400, "bad_json"},
		{"staff login, wrong password", "POST", "/admin/api/v1/login", "", `{"username":"admin","password":"nope"}`, 401, "login_failed"},
		{"student token on the admin API", "POST", "/admin/api/v1/login", "", `{"username":"","password":""}`, 401, "login_failed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := s.do(tc.method, tc.path, tc.token, tc.body).must(t, tc.status)
			if r.errCode() != tc.code {
				t.Fatalf("code %q, want %q: %s", r.errCode(), tc.code, r.Body)
			}
			e := r.JSON["error"].(map[string]any)
			if msg, _ := e["message"].(string); msg == "" || !hasHan(msg) {
				t.Fatalf("message should be Chinese text: %q", msg)
			}
			if _, ok := e["details"].(map[string]any); !ok {
				t.Fatalf("details missing: %s", r.Body)
			}
		})
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

func TestHealthReadinessMetrics(t *testing.T) {
	s := startServer(t, func(cfg *config.Config) { cfg.HTTP.MetricsToken = "metrics-secret" })
	s.do("GET", "/healthz", "", nil).must(t, 200)
	s.do("GET", "/readyz", "", nil).must(t, 200)
	if r := s.do("GET", "/sandbox/", "", nil).must(t, 200); r.JSON["login"] == nil {
		t.Fatalf("sandbox index: %s", r.Body)
	}
	s.do("GET", "/api/v1/schools?q=upc", "", nil).must(t, 200)
	s.do("GET", "/metrics", "", nil).must(t, 401)
	s.do("GET", "/metrics", "wrong-secret", nil).must(t, 401)
	r := s.do("GET", "/metrics", "metrics-secret", nil).must(t, 200)
	if !strings.Contains(string(r.Body), `gradphoto_http_requests_total{method="GET",route="/api/v1/schools",status="200"} 1`) {
		t.Fatalf("metrics lack the request count by route:\n%s", r.Body)
	}
	// Request ids: echoed, and quoted in error bodies.
	req, _ := http.NewRequest("GET", s.URL+"/api/v1/collections", nil)
	req.Header.Set("X-Request-ID", "trace-123")
	res := s.send(req)
	if res.Header.Get("X-Request-ID") != "trace-123" || !strings.Contains(string(res.Body), "trace-123") {
		t.Fatalf("request id not carried: %v %s", res.Header, res.Body)
	}
	info := s.do("GET", "/api/v1/info", "", nil).must(t, 200)
	if info.JSON["support_phone"] != "010-58691620" || info.JSON["support_hours"] != "周二至周日 9:30-17:00" || info.JSON["price_fen"] != float64(2000) {
		t.Fatalf("info: %s", info.Body)
	}
	if rules, _ := info.JSON["photo_rules"].([]any); len(rules) < 10 {
		t.Fatalf("photo rules: %s", info.Body)
	}
}

// TestLogsCarryNoPersonalData: after a journey, the logs name no phone number,
// student name, openid or token.
func TestLogsCarryNoPersonalData(t *testing.T) {
	s := startServer(t)
	tok := s.login("privacy")
	s.verify(tok, zhangSan)
	s.do("POST", "/api/v1/collections", tok, map[string]string{"school_id": "upc-east", "level": "本科", "name": "李四", "student_no": "x", "phone": "13800000002"}).must(t, 422)
	logs := s.Logs.String()
	for _, secret := range []string{"13800000001", "13800000002", "张三", "李四", "sandbox-privacy", tok} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q", secret)
		}
	}
}

// TestUploadRateLimit: one student cannot keep the photo checks busy for everyone.
func TestUploadRateLimit(t *testing.T) {
	s := startServer(t)
	tok := s.login("flooder")
	id := s.verify(tok, zhangSan)
	for i := 0; i < 20; i++ {
		if r := s.upload("/api/v1/collections/"+id+"/photo", tok, "photo", "x.jpg", []byte("not a photo")); r.Status == 429 {
			t.Fatalf("upload %d limited", i+1)
		}
	}
	r := s.upload("/api/v1/collections/"+id+"/photo", tok, "photo", "x.jpg", []byte("not a photo")).must(t, 429)
	if r.errCode() != "rate_limited" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("%v %s", r.Header, r.Body)
	}
	// Another student is not affected.
	other := s.login("patient")
	oid := s.verify(other, liSi)
	if r := s.upload("/api/v1/collections/"+oid+"/photo", other, "photo", "x.jpg", []byte("not a photo")); r.Status == 429 {
		t.Fatal("another student was limited")
	}
}
