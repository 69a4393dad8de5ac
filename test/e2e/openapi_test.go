package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/gradphoto/gradphoto/internal/httpapi"
)

// The HTTP contract is docs/openapi.yaml. Every server the e2e tests start checks every
// exchange against it (contractChecker), SDK traffic to the sandbox and WeChat Pay's
// notifications included, and TestOpenAPIRoutes keeps the document and the router in
// step.

const openAPIPath = "../../docs/openapi.yaml"

var contract struct {
	once   sync.Once
	doc    *openapi3.T
	router routers.Router
	err    error
}

// loadContract parses and validates docs/openapi.yaml once per test binary.
func loadContract() (*openapi3.T, routers.Router, error) {
	contract.once.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromFile(openAPIPath)
		if err != nil {
			contract.err = fmt.Errorf("load %s: %w", openAPIPath, err)
			return
		}
		if err := doc.Validate(loader.Context); err != nil {
			contract.err = fmt.Errorf("%s is not valid OpenAPI: %w", openAPIPath, err)
			return
		}
		r, err := legacy.NewRouter(doc)
		if err != nil {
			contract.err = fmt.Errorf("route %s: %w", openAPIPath, err)
			return
		}
		contract.doc, contract.router = doc, r
		// Binary and text bodies are checked for their media type only.
		for _, ct := range []string{"image/jpeg", "image/png", "image/svg+xml", "application/zip", "text/html", "text/javascript", "text/css"} {
			openapi3filter.RegisterBodyDecoder(ct, openapi3filter.FileBodyDecoder)
		}
	})
	return contract.doc, contract.router, contract.err
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc, _, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	if !doc.IsOpenAPI31OrLater() || !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Fatalf("openapi %q, want 3.1.x", doc.OpenAPI)
	}
	// Every operation names its answers; every error answer is the error body with the
	// codes it can carry.
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.OperationID == "" || len(op.Tags) == 0 {
				t.Errorf("%s %s: no operationId or tag", method, path)
			}
			for status, resp := range op.Responses.Map() {
				if status == "default" {
					t.Errorf("%s %s: a default response hides undocumented statuses", method, path)
				}
				if status >= "400" && !strings.HasPrefix(path, "/sandbox/") && !strings.HasPrefix(path, "/pay/") && path != "/readyz" {
					if codes := errorCodes(resp.Value); len(codes) == 0 {
						t.Errorf("%s %s %s: an error answer without its error codes", method, path, status)
					}
				}
			}
		}
	}
}

// errorCodes returns the error.code enum of an error response.
func errorCodes(r *openapi3.Response) []string {
	mt := r.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return nil
	}
	body := mt.Schema.Value
	if body == nil || mt.Schema.Ref == "" && body.Properties["error"] == nil {
		return nil
	}
	var out []string
	for _, s := range append([]*openapi3.SchemaRef{mt.Schema}, body.AllOf...) {
		e := s.Value.Properties["error"]
		if e == nil || e.Value.Properties["code"] == nil {
			continue
		}
		for _, v := range e.Value.Properties["code"].Value.Enum {
			out = append(out, fmt.Sprint(v))
		}
	}
	return out
}

// TestOpenAPIRoutes fails when the router serves a route the document lacks, or the
// document describes one the router does not serve (sandbox mode: every route mounted).
func TestOpenAPIRoutes(t *testing.T) {
	doc, _, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t)
	param := regexp.MustCompile(`[:*]([A-Za-z_]+)`)
	served := map[string]bool{}
	for _, r := range httpapi.Routes(s.App.Router) {
		method, path, _ := strings.Cut(r, " ")
		served[method+" "+param.ReplaceAllString(path, "{$1}")] = true
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	var missing, extra []string
	for r := range served {
		if !documented[r] {
			missing = append(missing, r)
		}
	}
	for r := range documented {
		if !served[r] {
			extra = append(extra, r)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	for _, r := range missing {
		t.Errorf("the router serves %s, which docs/openapi.yaml does not describe", r)
	}
	for _, r := range extra {
		t.Errorf("docs/openapi.yaml describes %s, which the router does not serve", r)
	}
	if len(served) < 40 {
		t.Fatalf("only %d routes: is the sandbox mounted?", len(served))
	}
}

// contractChecker wraps the server's handler and reports every exchange that breaks
// the document: a response of a status, type or shape the document does not give that
// route (error codes included), and a request that breaks the document yet is accepted
// (anything but a 4xx). Requests that break it on purpose (the tests of bad input) must
// be refused with a documented 4xx.
type contractChecker struct {
	doc    *openapi3.T
	router routers.Router

	mu       sync.Mutex
	failures []string
	checked  int
}

func newContractChecker(t testing.TB) *contractChecker {
	doc, router, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	return &contractChecker{doc: doc, router: router}
}

func (cc *contractChecker) failf(format string, args ...any) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	cc.failures = append(cc.failures, fmt.Sprintf(format, args...))
}

// report fails t with every broken exchange (called once the server has stopped).
func (cc *contractChecker) report(t testing.TB) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	for _, f := range cc.failures {
		t.Errorf("docs/openapi.yaml: %s", f)
	}
}

func (cc *contractChecker) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			cc.failf("%s %s: read request: %v", r.Method, r.URL.Path, err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := &recordingWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		cc.check(r, body, rec)
	})
}

func (cc *contractChecker) check(r *http.Request, body []byte, rec *recordingWriter) {
	cc.mu.Lock()
	cc.checked++
	cc.mu.Unlock()
	what := r.Method + " " + r.URL.Path
	req := r.Clone(context.Background())
	req.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := cc.router.FindRoute(req)
	if err != nil {
		// Not a documented route: only the router's own refusals may answer.
		if rec.status != http.StatusNotFound && rec.status != http.StatusMethodNotAllowed {
			cc.failf("%s: not in the document, yet answered %d", what, rec.status)
			return
		}
		cc.checkRouterAnswer(what, rec)
		return
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, AuthenticationFunc: presentCredentials}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil && (rec.status < 400 || rec.status >= 500) {
		cc.failf("%s: the request breaks the document (%v), yet was answered %d", what, err, rec.status)
	}
	// The request was read by the validation: give the response check a fresh one.
	in.Request = r.Clone(context.Background())
	in.Request.Body = io.NopCloser(bytes.NewReader(body))
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: rec.status, Header: rec.Header(),
		Body: io.NopCloser(bytes.NewReader(rec.body.Bytes())), Options: opts,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		cc.failf("%s: answer %d breaks the document: %v\n  body: %.600s", what, rec.status, err, rec.body.String())
	}
}

// checkRouterAnswer checks the router's own refusal of an undocumented path or method
// against components/responses NoRoute (404) or MethodNotAllowed (405).
func (cc *contractChecker) checkRouterAnswer(what string, rec *recordingWriter) {
	var v any
	if err := json.Unmarshal(rec.body.Bytes(), &v); err != nil {
		cc.failf("%s: %d without a JSON error body: %.200s", what, rec.status, rec.body.String())
		return
	}
	name := "NoRoute"
	if rec.status == http.StatusMethodNotAllowed {
		name = "MethodNotAllowed"
	}
	schema := cc.doc.Components.Responses[name].Value.Content.Get("application/json").Schema.Value
	if err := schema.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
		cc.failf("%s: %d breaks components/responses/%s: %v", what, rec.status, name, err)
	}
}

// presentCredentials checks that the credentials a security scheme names are present;
// whether they are valid is the server's business (401/403, which the document lists).
func presentCredentials(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	r, s := in.RequestValidationInput.Request, in.SecurityScheme
	switch {
	case s.Type == "http" && s.Scheme == "bearer":
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			return errors.New("no bearer token")
		}
	case s.Type == "apiKey" && s.In == "header":
		if r.Header.Get(s.Name) == "" {
			return fmt.Errorf("no %s header", s.Name)
		}
	case s.Type == "apiKey" && s.In == "cookie":
		if _, err := r.Cookie(s.Name); err != nil {
			return fmt.Errorf("no %s cookie", s.Name)
		}
	default:
		return fmt.Errorf("unknown security scheme %s", in.SecuritySchemeName)
	}
	return nil
}

// recordingWriter passes a response through and keeps a copy for the check.
type recordingWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
	body        bytes.Buffer
}

func (w *recordingWriter) WriteHeader(status int) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = status, true
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	w.wroteHeader = true
	w.body.Write(p)
	return w.ResponseWriter.Write(p)
}

func (w *recordingWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection (write deadlines).
func (w *recordingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// TestContractCheckerCatchesBreaks feeds the checker exchanges that break the document
// in each way it must notice, and one that does not.
func TestContractCheckerCatchesBreaks(t *testing.T) {
	cases := []struct {
		name, method, target, body string
		status                     int
		answer                     string
		broken                     bool
	}{
		{"a documented answer", "GET", "/api/v1/schools?q=x", "", 200,
			`{"schools":[{"id":"a","name":"A","province":"P","levels":["本科"],"aliases":[],"price_fen":2000,"extra":1}]}`, false},
		{"a number sent as a string", "GET", "/api/v1/schools", "", 200,
			`{"schools":[{"id":"a","name":"A","province":"P","levels":[],"aliases":[],"price_fen":"20.00"}]}`, true},
		{"a required field missing", "GET", "/healthz", "", 200, `{}`, true},
		{"an undocumented status", "GET", "/api/v1/schools", "", 418, `{"error":{"code":"teapot","message":"x","details":{}}}`, true},
		{"an undocumented error code", "GET", "/api/v1/schools?limit=0", "", 400,
			`{"error":{"code":"limit_bad","message":"x","details":{}}}`, true},
		{"a documented error code", "GET", "/api/v1/schools?limit=0", "", 400,
			`{"error":{"code":"bad_limit","message":"x","details":{}}}`, false},
		{"a broken request accepted", "POST", "/api/v1/auth/wechat-login", `{"code":7}`, 200,
			`{"token":"t","expires_at":"2026-01-01T00:00:00Z","user":{"id":"u"}}`, true},
		{"a broken request refused", "POST", "/api/v1/auth/wechat-login", `{"code":7}`, 400,
			`{"error":{"code":"bad_field_type","message":"x","details":{"field":"code"}}}`, false},
		{"an undocumented route answered", "GET", "/api/v1/nowhere", "", 200, `{}`, true},
		{"an undocumented route refused", "GET", "/api/v1/nowhere", "", 404,
			`{"error":{"code":"not_found","message":"x","details":{}}}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cc := newContractChecker(t)
			h := cc.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.answer)
			}))
			req := httptest.NewRequest(tc.method, tc.target, strings.NewReader(tc.body))
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			h.ServeHTTP(httptest.NewRecorder(), req)
			if got := len(cc.failures) > 0; got != tc.broken {
				t.Errorf("broken = %v, want %v (failures: %q)", got, tc.broken, cc.failures)
			}
		})
	}
}

// codesNotAnswered are apperr codes that never reach an HTTP answer as error.code.
var codesNotAnswered = map[string]string{
	"notify_invalid":       "WeChat Pay's callbacks answer in WeChat Pay's terms ({\"code\":\"FAIL\"})",
	"photo_no_face":        "the export lists such a photo in 未导出.csv instead of failing",
	"username_invalid":     "gradphoto create-staff only",
	"password_invalid":     "gradphoto create-staff only",
	"role_invalid":         "gradphoto create-staff only",
	"school_scope_invalid": "gradphoto create-staff only",
}

// TestOpenAPIKnowsEveryErrorCode finds every error code the code base declares
// (apperr constructors with a literal code) and fails when docs/openapi.yaml names it
// in no answer: a new error needs its place in the contract, also when no e2e test
// provokes it.
func TestOpenAPIKnowsEveryErrorCode(t *testing.T) {
	doc, _, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	addCodes := func(r *openapi3.ResponseRef) {
		if r != nil && r.Value != nil {
			for _, c := range errorCodes(r.Value) {
				documented[c] = true
			}
		}
	}
	for _, r := range doc.Components.Responses {
		addCodes(r)
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, r := range op.Responses.Map() {
				addCodes(r)
			}
		}
	}
	declared := regexp.MustCompile(`apperr\.(?:New\([^,()]+,\s*|Invalid\(|NotFound\(|Conflict\(|Forbidden\(|Unauthorized\(|Rejected\(|TooMany\(|Unavailable\()\s*"([a-z0-9_]+)"`)
	found := 0
	err = filepath.WalkDir("../../internal", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range declared.FindAllSubmatch(src, -1) {
			code := string(m[1])
			found++
			if _, ok := codesNotAnswered[code]; !ok && !documented[code] {
				t.Errorf("%s declares error code %q, which no answer in docs/openapi.yaml lists", path, code)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 50 {
		t.Fatalf("found only %d declared error codes: has the apperr API changed?", found)
	}
}
