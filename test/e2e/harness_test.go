// Package e2e drives the whole program (app.New, the real router, the WeChat sandbox
// and the real SDKs) over HTTP on a random port with a temporary database.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gradphoto/gradphoto/internal/app"
	"github.com/gradphoto/gradphoto/internal/config"
	"github.com/gradphoto/gradphoto/internal/dbtest"
)

// server is one running gradphoto.
type server struct {
	t    testing.TB
	URL  string
	App  *app.App
	Logs *logBuffer
}

type serverOption func(cfg *config.Config)

// onMySQL runs the server on a fresh MySQL database (skips without the DSN).
func onMySQL(t testing.TB) serverOption {
	dsn := dbtest.MySQLDSN(t)
	return func(cfg *config.Config) { cfg.DB.Driver, cfg.DB.DSN = "mysql", dsn }
}

// onEachDatabase runs fn against a server on SQLite and against one on a fresh MySQL
// database (that half skips, saying why, without GRADPHOTO_TEST_MYSQL_DSN).
func onEachDatabase(t *testing.T, fn func(t *testing.T, s *server)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, startServer(t)) })
	t.Run("mysql", func(t *testing.T) { fn(t, startServer(t, onMySQL(t))) })
}

// startServer starts gradphoto as `make run` does (migrate, seed-demo, serve in
// sandbox mode), on 127.0.0.1 and a free port.
func startServer(t testing.TB, opts ...serverOption) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Local(t.TempDir(), ln.Addr().String())
	cfg.Notify.PollInterval = 50 * time.Millisecond
	cfg.HTTP.MetricsToken = "e2e-metrics-token" // routes /metrics (on the public port only with it)
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	// Every exchange is checked against docs/openapi.yaml; the failures are reported
	// once the server has stopped (this cleanup runs after the server's).
	cc := newContractChecker(t)
	t.Cleanup(func() { cc.report(t) })
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, &cfg, log, app.WithHandler(cc.wrap))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		a.Close()
	})
	// Serve starts asynchronously: wait until it answers.
	waitFor(t, "the server to answer", 10*time.Second, func() bool {
		res, err := http.Get(cfg.HTTP.PublicURL + "/healthz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
	return &server{t: t, URL: cfg.HTTP.PublicURL, App: a, Logs: logs}
}

// response is a decoded answer.
type response struct {
	Status int
	Header http.Header
	Body   []byte
	JSON   map[string]any
}

// errCode returns error.code of an error body.
func (r *response) errCode() string {
	if e, ok := r.JSON["error"].(map[string]any); ok {
		s, _ := e["code"].(string)
		return s
	}
	return ""
}

func (s *server) do(method, path, token string, body any) *response {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return s.send(req)
}

func (s *server) send(req *http.Request) *response {
	s.t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	r := &response{Status: res.StatusCode, Header: res.Header, Body: raw}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &r.JSON); err != nil {
			s.t.Fatalf("%s %s: bad JSON %q: %v", req.Method, req.URL.Path, raw, err)
		}
	}
	if r.Status >= 500 && r.Status != http.StatusServiceUnavailable {
		s.t.Errorf("%s %s answered %d: %s", req.Method, req.URL.Path, r.Status, raw)
	}
	return r
}

// upload posts one file as multipart field.
func (s *server) upload(path, token, field, filename string, data []byte) *response {
	s.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile(field, filename)
	if err != nil {
		s.t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, s.URL+path, &buf)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	return s.send(req)
}

// must checks the status and returns the response.
func (r *response) must(t testing.TB, status int) *response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	return r
}

// login logs a student in as openid sandbox-<name> with a fresh wx.login code from the
// sandbox (codes are single-use, as WeChat's are).
func (s *server) login(name string) string {
	s.t.Helper()
	code := s.do("POST", "/sandbox/wx/login", "", map[string]string{"name": name}).must(s.t, 200).JSON["code"]
	r := s.do("POST", "/api/v1/auth/wechat-login", "", map[string]any{"code": code}).must(s.t, 200)
	tok, _ := r.JSON["token"].(string)
	if tok == "" {
		s.t.Fatalf("no token: %s", r.Body)
	}
	return tok
}

// staffLogin logs a demo staff account in.
func (s *server) staffLogin(username string) string {
	s.t.Helper()
	r := s.do("POST", "/admin/api/v1/login", "", map[string]string{"username": username, "password": app.DemoStaffPassword}).must(s.t, 200)
	return r.JSON["token"].(string)
}

// student is a demo roster student.
type student struct{ Name, No, Level, Phone string }

var (
	zhangSan = student{"张三", "2019010001", "本科", "13800000001"}
	liSi     = student{"李四", "2019010002", "本科", "13800000002"}
	wangWu   = student{"王五", "2020020003", "专科", "13800000003"}
	zhaoLiu  = student{"赵六", "2019010004", "本科", "13800000004"}
)

// verify creates and confirms st's collection for token; returns its id.
func (s *server) verify(token string, st student) string {
	s.t.Helper()
	r := s.do("POST", "/api/v1/collections", token, map[string]string{
		"school_id": app.DemoSchoolID, "level": st.Level, "name": st.Name, "student_no": st.No, "phone": st.Phone,
	}).must(s.t, 201)
	id := r.JSON["collection"].(map[string]any)["id"].(string)
	s.do("POST", "/api/v1/collections/"+id+"/confirm", token, nil).must(s.t, 200)
	return id
}

func collectionOf(r *response) map[string]any {
	c, _ := r.JSON["collection"].(map[string]any)
	return c
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// logBuffer collects the server's logs for tests to read while it runs.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
