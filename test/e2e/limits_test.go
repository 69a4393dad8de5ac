package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/gradphoto/gradphoto/internal/app"
	"github.com/gradphoto/gradphoto/internal/config"
	"github.com/gradphoto/gradphoto/internal/dbtest"
	"github.com/gradphoto/gradphoto/internal/faultproxy"
	"github.com/gradphoto/gradphoto/internal/imagebudget/bomb"
)

// throughProxy runs the server on a fresh MySQL database reached through a fault
// proxy, with a short request deadline so that a stall shows quickly.
func throughProxy(t *testing.T, deadline time.Duration) (serverOption, *faultproxy.Proxy) {
	dsn := dbtest.MySQLDSN(t)
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	p, err := faultproxy.Start(cfg.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	cfg.Addr = p.Addr()
	proxied := cfg.FormatDSN()
	return func(c *config.Config) {
		c.DB.Driver, c.DB.DSN = "mysql", proxied
		c.HTTP.RequestTimeout = deadline
	}, p
}

// timed sends a request with a client that gives up after 30 s (a hung server must
// fail the test, not hang it) and reports how long the answer took.
func (s *server) timed(method, path, token string) (*response, time.Duration) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.URL+path, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	start := time.Now()
	client := &http.Client{Timeout: 30 * time.Second}
	res, err := client.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	res.Body.Close()
	return &response{Status: res.StatusCode, Header: res.Header}, time.Since(start)
}

// A stalled database (every byte held, connections open: MariaDB frozen) and a dead
// one (connections refused) both give 503 service_unavailable with Retry-After within
// the request deadline, /readyz says 503 within 2 s, and the server recovers by itself.
func TestDatabaseStalledOrDown(t *testing.T) {
	const deadline = 2 * time.Second
	opt, proxy := throughProxy(t, deadline)
	s := startServer(t, opt)
	tok := s.login("stall")
	id := s.verify(tok, zhangSan)
	s.do("GET", "/readyz", "", nil).must(t, 200)

	for _, fault := range []struct {
		name  string
		apply func()
	}{{"stalled", proxy.Stall}, {"down", proxy.Down}} {
		t.Run(fault.name, func(t *testing.T) {
			fault.apply()
			r, took := s.timed("GET", "/readyz", "")
			if r.Status != 503 || took > 2*time.Second {
				t.Fatalf("/readyz: %d after %v, want 503 within 2 s", r.Status, took)
			}
			for _, path := range []string{"/api/v1/collections/" + id, "/api/v1/collections"} {
				r, took := s.timed("GET", path, tok)
				if r.Status != 503 || took > deadline+time.Second {
					t.Fatalf("GET %s: %d after %v, want 503 within the %v deadline", path, r.Status, took, deadline)
				}
				if r.Header.Get("Retry-After") == "" {
					t.Fatalf("GET %s: 503 without Retry-After", path)
				}
			}
			login := s.do("POST", "/admin/api/v1/login", "", map[string]string{"username": "admin", "password": "x-wrong-password"})
			if login.Status != 503 || login.errCode() != "service_unavailable" {
				t.Fatalf("staff login with the database %s: %d %s", fault.name, login.Status, login.Body)
			}
			healed := time.Now()
			proxy.Heal()
			waitFor(t, "recovery after the database came back", 15*time.Second, func() bool {
				r, _ := s.timed("GET", "/api/v1/collections/"+id, tok)
				return r.Status == 200
			})
			t.Logf("%s: recovered %v after the database came back", fault.name, time.Since(healed).Round(time.Millisecond))
			s.do("GET", "/readyz", "", nil).must(t, 200)
		})
	}
}

// The decode bombs of the attack run (a 228 KB progressive 5400×7200 JPEG, a 16-bit
// 7000×7000 PNG, a progressive 49 MP 采集码 image) are refused from their headers by
// the memory they would need (413 image_too_complex), all at once, without the heap
// ever growing by what they would have taken (hundreds of MB each).
func TestDecodeBombsRefusedByMemory(t *testing.T) {
	s := startServer(t)
	tok := s.login("bomber")
	id := s.verify(tok, zhangSan)
	s.upload("/api/v1/collections/"+id+"/capture-code", tok, "image", "code.png", codeScreenshot(t, newPayload(t))).must(t, 200)

	photoBomb, err := bomb.ProgressiveJPEG(5400, 7200, 3, "")
	if err != nil {
		t.Fatal(err)
	}
	codeBomb, err := bomb.ProgressiveJPEG(7000, 7000, 3, newPayload(t))
	if err != nil {
		t.Fatal(err)
	}
	pngBomb, err := bomb.PNG16(7000, 7000)
	if err != nil {
		t.Fatal(err)
	}
	uploads := []struct {
		path, field, name string
		data              []byte
	}{
		{"/photo", "photo", "bomb.jpg", photoBomb},
		{"/capture-code", "image", "bomb.jpg", codeBomb},
		{"/capture-code", "image", "bomb.png", pngBomb},
	}
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	var wg sync.WaitGroup
	answers := make([]*response, 2*len(uploads))
	for i := range answers {
		u := uploads[i%len(uploads)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = s.upload("/api/v1/collections/"+id+u.path, tok, u.field, u.name, u.data)
		}()
	}
	wg.Wait()
	close(stop)
	<-sampled
	for i, r := range answers {
		if r.Status != 413 || r.errCode() != "image_too_complex" {
			t.Errorf("%s (%d bytes): %d %s, want 413 image_too_complex", uploads[i%len(uploads)].name, len(uploads[i%len(uploads)].data), r.Status, r.Body)
		}
	}
	if grew := int64(peak.Load()) - int64(base.HeapAlloc); grew > 150<<20 {
		t.Fatalf("the heap grew by %d MB while refusing the bombs", grew>>20)
	}
	// The student can go on with an ordinary photo.
	s.upload("/api/v1/collections/"+id+"/photo", tok, "photo", "photo.jpg", compliantPhoto(t)).must(t, 200)
}

// Thirty wrong verifications at once from one account: exactly the hour's budget (10)
// is spent on the roster, the rest are refused, on both databases.
func TestParallelWrongVerificationsCountedExactly(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, s *server) {
		tok := s.login("racer")
		var wg sync.WaitGroup
		codes := make([]string, 30)
		for i := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := s.do("POST", "/api/v1/collections", tok, map[string]string{
					"school_id": "upc-east", "level": "本科", "name": "不存在", "student_no": fmt.Sprintf("1999%06d", i), "phone": "13800000001",
				})
				codes[i] = fmt.Sprint(r.Status, " ", r.errCode())
			}()
		}
		wg.Wait()
		counts := map[string]int{}
		for _, c := range codes {
			counts[c]++
		}
		if counts["422 student_not_found"] != 10 || counts["429 too_many_attempts"] != 20 {
			t.Fatalf("30 parallel wrong verifications answered %v, want 10 student_not_found and 20 too_many_attempts", counts)
		}
		// The right details are refused too once the budget is spent.
		r := s.do("POST", "/api/v1/collections", tok, map[string]string{
			"school_id": "upc-east", "level": zhangSan.Level, "name": zhangSan.Name, "student_no": zhangSan.No, "phone": zhangSan.Phone,
		})
		if r.Status != 429 {
			t.Fatalf("after the budget: %d %s", r.Status, r.Body)
		}
		// A successful verification does not spend the budget.
		other := s.login("honest")
		for i := 0; i < 12; i++ {
			r := s.do("POST", "/api/v1/collections", other, map[string]string{
				"school_id": "upc-east", "level": liSi.Level, "name": liSi.Name, "student_no": liSi.No, "phone": liSi.Phone,
			})
			if r.Status != 200 && r.Status != 201 {
				t.Fatalf("successful verification %d: %d %s", i+1, r.Status, r.Body)
			}
		}
	})
}

// Staff login: a client address with too many failures gets 429 for itself only; the
// account's owner at another address logs in; unknown user and wrong password answer
// alike; a body not declared JSON is refused (415), so no other site's form can post it.
func TestStaffLoginThrottledPerAddress(t *testing.T) {
	s := startServer(t, func(c *config.Config) { c.HTTP.TrustedProxies = []string{"127.0.0.1"} })
	login := func(from, user, password, ctype string) *response {
		req, err := http.NewRequest("POST", s.URL+"/admin/api/v1/login", strings.NewReader(fmt.Sprintf(`{"username":%q,"password":%q}`, user, password)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("X-Forwarded-For", from)
		return s.send(req)
	}
	const attacker, owner, json = "203.0.113.9", "198.51.100.7", "application/json"
	wrong := login(attacker, "admin", "not-the-password", json).must(t, 401)
	unknown := login(attacker, "no-such-user", "not-the-password", json).must(t, 401)
	if !bytes.Equal(stripRequestID(wrong.JSON), stripRequestID(unknown.JSON)) {
		t.Fatalf("wrong password %s and unknown user %s answer differently", wrong.Body, unknown.Body)
	}
	for i := 0; i < 8; i++ {
		login(attacker, "admin", "not-the-password", json).must(t, 401)
	}
	r := login(attacker, "admin", app.DemoStaffPassword, json).must(t, 429)
	if r.errCode() != "rate_limited" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("the attacker's address: %s (Retry-After %q)", r.Body, r.Header.Get("Retry-After"))
	}
	if r := login(owner, "admin", app.DemoStaffPassword, json).must(t, 200); r.JSON["role"] != "admin" {
		t.Fatalf("the owner from another address: %s", r.Body)
	}
	if r := login(owner, "admin", app.DemoStaffPassword, "text/plain").must(t, 415); r.errCode() != "json_required" {
		t.Fatalf("text/plain login: %s", r.Body)
	}
}

// stripRequestID returns the error body without its request id, for comparing answers.
func stripRequestID(m map[string]any) []byte {
	e, _ := m["error"].(map[string]any)
	delete(e, "request_id")
	b, _ := json.Marshal(m)
	return b
}

// Student sessions can be ended: after logout the token (and any copy of it) is refused,
// and a new login works.
func TestStudentLogoutEndsSessions(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, s *server) {
		tok := s.login("leaver")
		copyOfTok := tok
		s.do("GET", "/api/v1/collections", tok, nil).must(t, 200)
		s.do("POST", "/api/v1/auth/logout", tok, nil).must(t, 204)
		for _, tk := range []string{tok, copyOfTok} {
			if r := s.do("GET", "/api/v1/collections", tk, nil).must(t, 401); r.errCode() != "unauthorized" {
				t.Fatalf("after logout: %s", r.Body)
			}
		}
		again := s.login("leaver")
		s.do("GET", "/api/v1/collections", again, nil).must(t, 200)
	})
}

// Every API answer says nosniff; answers with personal data are not stored by caches;
// the console's session answer carries the console's own headers.
func TestSecurityHeaders(t *testing.T) {
	s := startServer(t)
	tok := s.login("headers")
	id := s.verify(tok, zhangSan)
	staff := s.staffLogin("support")
	for _, c := range []struct{ path, token string }{
		{"/api/v1/collections/" + id, tok},
		{"/api/v1/collections", tok},
		{"/api/v1/collections/nope", tok}, // an error answer
		{"/admin/api/v1/lookup?q=" + zhangSan.No, staff},
		{"/api/v1/schools?q=upc", ""},
	} {
		r := s.do("GET", c.path, c.token, nil)
		if r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("GET %s (%d): nosniff %q, Cache-Control %q", c.path, r.Status, r.Header.Get("X-Content-Type-Options"), r.Header.Get("Cache-Control"))
		}
	}
	r := s.do("GET", "/console/session", "", nil)
	for _, h := range []string{"Content-Security-Policy", "X-Frame-Options", "Referrer-Policy"} {
		if r.Header.Get(h) == "" {
			t.Errorf("/console/session lacks %s", h)
		}
	}
}
