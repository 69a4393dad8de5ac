package payment

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	mysqldriver "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/db"
	"github.com/gradphoto/gradphoto/internal/sandbox"
)

const (
	testAppID = "wxsandbox00000000"
	testMchID = "1900000001"
)

// testClock is the service's (and the gateway's) clock; tests move it.
type testClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

type markCall struct {
	CollectionID, OutTradeNo string
	InTx                     bool
}

// fakeCollections records MarkPaid calls and holds the students' subjects.
type fakeCollections struct {
	mu        sync.Mutex
	subjects  map[string]Subject
	marked    []markCall
	withdrawn []string
	failMark  error
}

// subject finds the student's own collection, as the order-placing use case does.
func (f *fakeCollections) subject(userID, collectionID string) (Subject, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.subjects[collectionID]
	if !ok || s.UserID != userID {
		return Subject{}, apperr.ErrNotFound
	}
	return s, nil
}

func (f *fakeCollections) MarkPaid(ctx context.Context, collectionID, outTradeNo string, _ time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failMark != nil {
		return f.failMark
	}
	f.marked = append(f.marked, markCall{collectionID, outTradeNo, db.InTx(ctx)})
	s := f.subjects[collectionID]
	s.Status = "in_review"
	f.subjects[collectionID] = s
	return nil
}

func (f *fakeCollections) Withdraw(ctx context.Context, collectionID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.withdrawn = append(f.withdrawn, collectionID)
	return nil
}

func (f *fakeCollections) marks() []markCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]markCall(nil), f.marked...)
}

func (f *fakeCollections) get(id string) Subject {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.subjects[id]
}

func (f *fakeCollections) add(s Subject) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.subjects[s.CollectionID] = s
}

// fakeAlerts records the anomalies the service tells, and whether inside its transaction.
type fakeAlerts struct {
	mu  sync.Mutex
	got []Anomaly
	tx  []bool
}

func (f *fakeAlerts) PaymentAnomaly(ctx context.Context, a Anomaly) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, a)
	f.tx = append(f.tx, db.InTx(ctx))
	return nil
}

func (f *fakeAlerts) list() ([]Anomaly, []bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Anomaly(nil), f.got...), append([]bool(nil), f.tx...)
}

type fakeReviews struct {
	mu    sync.Mutex
	calls []markCall
}

func (f *fakeReviews) Enqueue(ctx context.Context, collectionID string, _ time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, markCall{CollectionID: collectionID, InTx: db.InTx(ctx)})
	return nil
}

func (f *fakeReviews) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type envOptions struct {
	publicKeyMode bool
}

// env is one service on a real database, its gateway on the real SDK, and the sandbox
// served by httptest; notifications reach the service through a small HTTP handler
// that answers like internal/httpapi.
type env struct {
	t        testing.TB
	g        *gorm.DB
	svc      *Service
	gw       *WeChatGateway
	pay      *sandbox.PayServer
	keys     *sandbox.PayKeys
	cols     *fakeCollections
	reviews  *fakeReviews
	alerts   *fakeAlerts
	clock    *testClock
	logs     *syncBuffer
	sandbox  string // base URL of the sandbox (…/sandbox)
	notify   string // our notify URL
	gate     chan struct{}
	refundOK bool
}

// dialects lists the databases the store tests run on.
func dialects(t *testing.T) []string {
	if os.Getenv("GRADPHOTO_TEST_MYSQL_DSN") != "" {
		return []string{"sqlite", "mysql"}
	}
	return []string{"sqlite"}
}

// openDB opens a fresh migrated database: SQLite in t.TempDir(), or a database of its
// own on the MySQL server of GRADPHOTO_TEST_MYSQL_DSN (dropped afterwards), since other
// engineers' tests share that server.
func openDB(t testing.TB, dialect string) *gorm.DB {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	var g *gorm.DB
	var err error
	switch dialect {
	case "sqlite":
		g, err = db.Open(ctx, "sqlite", filepath.Join(t.TempDir(), "pay.db"), 0, log)
	case "mysql":
		dsn := os.Getenv("GRADPHOTO_TEST_MYSQL_DSN")
		if dsn == "" {
			t.Skip("GRADPHOTO_TEST_MYSQL_DSN not set")
		}
		cfg, perr := mysqldriver.ParseDSN(dsn)
		if perr != nil {
			t.Fatalf("GRADPHOTO_TEST_MYSQL_DSN: %v", perr)
		}
		name := "gradphoto_test_pay_" + randomHex(6)
		cfg.DBName = ""
		admin, aerr := sql.Open("mysql", cfg.FormatDSN())
		if aerr != nil {
			t.Fatal(aerr)
		}
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_, _ = admin.ExecContext(context.Background(), "DROP DATABASE "+name)
			_ = admin.Close()
		})
		cfg.DBName = name
		g, err = db.Open(ctx, "mysql", cfg.FormatDSN(), 10, log)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s, err := g.DB(); err == nil {
			_ = s.Close()
		}
	})
	if err := db.Migrate(ctx, g, log); err != nil {
		t.Fatal(err)
	}
	return g
}

func newEnv(t testing.TB, dialect string, o envOptions) *env {
	t.Helper()
	keys, err := sandbox.EnsurePayKeys(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e := &env{
		t: t, g: openDB(t, dialect), keys: keys, clock: &testClock{}, logs: &syncBuffer{},
		cols: &fakeCollections{subjects: map[string]Subject{}}, reviews: &fakeReviews{}, alerts: &fakeAlerts{},
		gate: make(chan struct{}), refundOK: true,
	}
	close(e.gate) // open unless a test replaces it

	merchant := http.NewServeMux()
	merchant.HandleFunc("POST /notify", func(w http.ResponseWriter, r *http.Request) {
		answerNotify(w, e.svc.HandleNotify(r.Context(), r))
	})
	merchant.HandleFunc("POST /refund-notify", func(w http.ResponseWriter, r *http.Request) {
		<-e.gate
		answerNotify(w, e.svc.HandleRefundNotify(r.Context(), r))
	})
	ms := httptest.NewServer(merchant)
	t.Cleanup(ms.Close)
	e.notify = ms.URL + "/notify"

	gin.SetMode(gin.ReleaseMode)
	engine := gin.New()
	e.pay = sandbox.NewPayServer(sandbox.PayOptions{Keys: keys, AppID: testAppID, MchID: testMchID, PublicKeyMode: o.publicKeyMode})
	e.pay.Mount(engine.Group("/sandbox"))
	ss := httptest.NewServer(engine)
	t.Cleanup(func() { e.pay.Wait(); ss.Close() })
	e.sandbox = ss.URL + "/sandbox"

	gcfg := GatewayConfig{
		AppID: testAppID, MchID: testMchID, MchCertSerial: keys.MchSerial, MchPrivateKey: keys.MchPrivateKey,
		APIv3Key: keys.APIv3Key, NotifyURL: e.notify, RefundNotifyURL: ms.URL + "/refund-notify", Now: e.clock.Now,
	}
	if o.publicKeyMode {
		gcfg.PublicKeyID, gcfg.PublicKey = keys.PublicKeyID, &keys.PlatformPrivateKey.PublicKey
	}
	e.gw, err = NewWeChatGateway(gcfg, sandbox.NewHTTPClient(e.sandbox))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.gw.Close)
	log := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	e.svc = NewService(e.g, e.gw, e.cols, e.reviews, e.alerts, Config{AppID: testAppID, MchID: testMchID}, e.clock.Now, log)
	return e
}

// createOrder places an order the way internal/usecase does: the student's own
// collection (404 otherwise), then payment.
func (e *env) createOrder(ctx context.Context, userID, collectionID string, ack bool) (*Order, PayParams, error) {
	subj, err := e.cols.subject(userID, collectionID)
	if err != nil {
		return nil, PayParams{}, err
	}
	return e.svc.CreateOrder(ctx, subj, ack)
}

// answerNotify answers as internal/httpapi does: 200, 401 FAIL, or 5xx FAIL.
func answerNotify(w http.ResponseWriter, err error) {
	if err == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	status := http.StatusInternalServerError
	if apperr.As(err).Kind == apperr.KindUnauthorized {
		status = http.StatusUnauthorized
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, `{"code":"FAIL","message":%q}`, apperr.As(err).Message)
}

// student registers a payable collection and returns its ids.
func (e *env) student(name string) Subject {
	s := Subject{
		CollectionID: "c_" + name, UserID: "u_" + name, OpenID: "sandbox-" + name, SchoolName: "中国石油大学（华东）",
		AmountFen: 2500, Status: CollectionStatusPayable,
	}
	e.cols.add(s)
	return s
}

// hook calls a sandbox test hook and decodes its JSON answer.
func (e *env) hook(path string) (int, map[string]any) {
	e.t.Helper()
	resp, err := http.Post(e.sandbox+path, "application/json", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &out); err != nil {
		e.t.Fatalf("%s: %s", path, b)
	}
	return resp.StatusCode, out
}

func (e *env) order(otn string) *Order {
	e.t.Helper()
	o, err := e.svc.FindOrder(context.Background(), otn)
	if err != nil {
		e.t.Fatal(err)
	}
	return o
}

func (e *env) notifications(otn string) []Notification {
	e.t.Helper()
	ns, err := e.svc.Notifications(context.Background(), otn)
	if err != nil {
		e.t.Fatal(err)
	}
	return ns
}

func wantKind(t *testing.T, err error, code string) {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != code {
		t.Fatalf("err = %v, want code %s", err, code)
	}
}

func hasLine(logs, level, msg string) bool {
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, `"level":"`+level+`"`) && strings.Contains(l, msg) {
			return true
		}
	}
	return false
}
