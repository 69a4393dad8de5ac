package e2e

import (
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

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
