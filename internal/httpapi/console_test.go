package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gradphoto/gradphoto/internal/auth"
	"github.com/gradphoto/gradphoto/internal/config"
	"github.com/gradphoto/gradphoto/internal/dbtest"
)

// consoleRig is the router with auth on SQLite, two staff accounts, and two probe
// routes behind requireStaff (a read and a change) standing for the admin API.
type consoleRig struct {
	r *gin.Engine
}

func newConsoleRig(t *testing.T, secure bool, opts ...func(*config.Config)) *consoleRig {
	t.Helper()
	g := dbtest.SQLite(t)
	a := auth.NewService(g, nil, auth.Config{TokenSecret: []byte("0123456789abcdef0123456789abcdef"),
		StaffTokenTTL: time.Hour, StaffMaxFailures: 5, StaffLockout: time.Minute}, time.Now, dbtest.Discard())
	for _, in := range []auth.StaffInput{
		{Username: "rev", Password: "correct-horse", Role: auth.RoleReviewer},
		{Username: "rev2", Password: "correct-horse", Role: auth.RoleReviewer},
	} {
		if _, err := a.UpsertStaff(context.Background(), in); err != nil {
			t.Fatal(err)
		}
	}
	cfg := config.Default()
	cfg.Console.SecureCookies = secure
	for _, o := range opts {
		o(&cfg)
	}
	r, s := NewRouter(Deps{Config: &cfg, Log: dbtest.Discard(), Auth: a})
	ok := func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"user": principal(c).Username}) }
	r.GET("/probe", s.requireStaff(auth.RoleReviewer), ok)
	r.POST("/probe", s.requireStaff(auth.RoleReviewer), ok)
	r.POST("/probe-support", s.requireStaff(auth.RoleSupport), ok)
	return &consoleRig{r: r}
}

type consoleReq struct {
	method, path, body, contentType string
	cookie                          *http.Cookie
	csrf, bearer                    string
}

func (rig *consoleRig) do(q consoleReq) *httptest.ResponseRecorder {
	req := httptest.NewRequest(q.method, q.path, strings.NewReader(q.body))
	if q.contentType != "" {
		req.Header.Set("Content-Type", q.contentType)
	}
	if q.cookie != nil {
		req.AddCookie(q.cookie)
	}
	if q.csrf != "" {
		req.Header.Set(csrfHeader, q.csrf)
	}
	if q.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+q.bearer)
	}
	w := httptest.NewRecorder()
	rig.r.ServeHTTP(w, req)
	return w
}

// login answers the session cookie and the CSRF token of a console login.
func (rig *consoleRig) login(t *testing.T, user string) (*http.Cookie, string) {
	t.Helper()
	w := rig.do(consoleReq{method: "POST", path: "/console/login", contentType: "application/json",
		body: `{"username":"` + user + `","password":"correct-horse"}`})
	if w.Code != http.StatusOK {
		t.Fatalf("login %s: %d %s", user, w.Code, w.Body)
	}
	cookies := w.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("login set %d cookies", len(cookies))
	}
	var ans consoleSessionJSON
	if err := json.Unmarshal(w.Body.Bytes(), &ans); err != nil {
		t.Fatal(err)
	}
	return cookies[0], ans.CSRFToken
}

func errorCode(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	var body errorBody
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("not an error body: %s", w.Body)
	}
	return body.Error.Code
}

func TestConsoleLoginCookie(t *testing.T) {
	for _, tc := range []struct {
		secure bool
		name   string
	}{
		{false, "gradphoto_staff"},
		{true, "__Host-gradphoto_staff"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rig := newConsoleRig(t, tc.secure)
			w := rig.do(consoleReq{method: "POST", path: "/console/login", contentType: "application/json",
				body: `{"username":"rev","password":"correct-horse"}`})
			if w.Code != http.StatusOK {
				t.Fatalf("login: %d %s", w.Code, w.Body)
			}
			raw := w.Header().Get("Set-Cookie")
			for _, want := range []string{tc.name + "=", "Path=/", "HttpOnly", "SameSite=Strict"} {
				if !strings.Contains(raw, want) {
					t.Errorf("Set-Cookie %q lacks %q", raw, want)
				}
			}
			if strings.Contains(raw, "Secure") != tc.secure {
				t.Errorf("Set-Cookie %q: Secure should be %v", raw, tc.secure)
			}
			if strings.Contains(raw, "Domain=") {
				t.Errorf("Set-Cookie %q names a domain", raw)
			}
			var ans consoleSessionJSON
			if err := json.Unmarshal(w.Body.Bytes(), &ans); err != nil {
				t.Fatal(err)
			}
			ck := w.Result().Cookies()[0]
			if ans.Role != auth.RoleReviewer || ans.Username != "rev" || !slices.Equal(ans.Pages, []string{"review"}) {
				t.Errorf("answer %+v", ans)
			}
			if ans.CSRFToken == "" || ans.CSRFToken != csrfToken(ck.Value) || strings.Contains(w.Body.String(), ck.Value) {
				t.Error("the answer must carry the CSRF token and never the session token")
			}
			if got := w.Header().Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q", got)
			}
		})
	}
}

func TestConsoleLoginRefusals(t *testing.T) {
	rig := newConsoleRig(t, false)
	for _, tc := range []struct {
		name, contentType, body string
		status                  int
		code                    string
	}{
		{"form post (cross-site forgery)", "application/x-www-form-urlencoded", "username=rev&password=correct-horse", 415, "json_required"},
		{"text/plain (no preflight)", "text/plain", `{"username":"rev","password":"correct-horse"}`, 415, "json_required"},
		{"wrong password", "application/json", `{"username":"rev","password":"nope-nope"}`, 401, "login_failed"},
		{"unknown user", "application/json", `{"username":"ghost","password":"correct-horse"}`, 401, "login_failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := rig.do(consoleReq{method: "POST", path: "/console/login", contentType: tc.contentType, body: tc.body})
			if w.Code != tc.status || errorCode(t, w) != tc.code {
				t.Fatalf("%d %s, want %d %s", w.Code, w.Body, tc.status, tc.code)
			}
			if sc := w.Header().Get("Set-Cookie"); sc != "" {
				t.Fatalf("a refused login set a cookie: %s", sc)
			}
		})
	}
}

func TestConsoleCSRF(t *testing.T) {
	rig := newConsoleRig(t, false)
	cookie, csrf := rig.login(t, "rev")
	otherCookie, otherCSRF := rig.login(t, "rev2")
	bearer := cookie.Value // the same token, as an API client would send it
	for _, tc := range []struct {
		name   string
		req    consoleReq
		status int
		code   string
	}{
		{"read with the cookie needs no token", consoleReq{method: "GET", path: "/probe", cookie: cookie}, 200, ""},
		{"change with the cookie and the token", consoleReq{method: "POST", path: "/probe", cookie: cookie, csrf: csrf}, 200, ""},
		{"change with the cookie, no token", consoleReq{method: "POST", path: "/probe", cookie: cookie}, 403, "csrf_failed"},
		{"change with the cookie, a wrong token", consoleReq{method: "POST", path: "/probe", cookie: cookie, csrf: csrf[:len(csrf)-1] + "x"}, 403, "csrf_failed"},
		{"change with the cookie, another session's token", consoleReq{method: "POST", path: "/probe", cookie: cookie, csrf: otherCSRF}, 403, "csrf_failed"},
		{"the other session with its own token", consoleReq{method: "POST", path: "/probe", cookie: otherCookie, csrf: otherCSRF}, 200, ""},
		{"the session token itself is not the CSRF token", consoleReq{method: "POST", path: "/probe", cookie: cookie, csrf: cookie.Value}, 403, "csrf_failed"},
		{"bearer client needs no token", consoleReq{method: "POST", path: "/probe", bearer: bearer}, 200, ""},
		{"bearer wins over a cookie", consoleReq{method: "POST", path: "/probe", bearer: bearer, cookie: &http.Cookie{Name: consoleCookie, Value: "junk"}}, 200, ""},
		{"no credentials", consoleReq{method: "POST", path: "/probe"}, 401, "unauthorized"},
		{"forged cookie with its derived token", consoleReq{method: "POST", path: "/probe", cookie: &http.Cookie{Name: consoleCookie, Value: "forged.token"}, csrf: csrfToken("forged.token")}, 401, "unauthorized"},
		{"role still checked for the cookie", consoleReq{method: "POST", path: "/probe-support", cookie: cookie, csrf: csrf}, 403, "forbidden"},
		{"cookie under the https name ignored on http", consoleReq{method: "GET", path: "/probe", cookie: &http.Cookie{Name: consoleCookieSecure, Value: cookie.Value}}, 401, "unauthorized"},
		{"logout without the token", consoleReq{method: "POST", path: "/console/logout", cookie: cookie}, 403, "csrf_failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := rig.do(tc.req)
			if w.Code != tc.status {
				t.Fatalf("%d %s, want %d", w.Code, w.Body, tc.status)
			}
			if tc.code != "" && errorCode(t, w) != tc.code {
				t.Fatalf("code %s, want %s", errorCode(t, w), tc.code)
			}
			if tc.code == "csrf_failed" && w.Header().Get("Set-Cookie") != "" {
				t.Fatal("a refused request changed cookies")
			}
		})
	}
}

func TestConsoleSessionAndLogout(t *testing.T) {
	rig := newConsoleRig(t, false)
	cookie, csrf := rig.login(t, "rev")

	w := rig.do(consoleReq{method: "GET", path: "/console/session", cookie: cookie})
	var s consoleSessionJSON
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &s) != nil || s.CSRFToken != csrf || s.Role != auth.RoleReviewer {
		t.Fatalf("session: %d %s", w.Code, w.Body)
	}
	if w := rig.do(consoleReq{method: "GET", path: "/console/session"}); w.Code != 401 {
		t.Fatalf("session without a cookie: %d", w.Code)
	}

	w = rig.do(consoleReq{method: "POST", path: "/console/logout", cookie: cookie, csrf: csrf})
	if w.Code != http.StatusNoContent {
		t.Fatalf("logout: %d %s", w.Code, w.Body)
	}
	cleared := w.Result().Cookies()
	if len(cleared) != 1 || cleared[0].Name != consoleCookie || cleared[0].Value != "" || cleared[0].MaxAge >= 0 ||
		!cleared[0].HttpOnly || cleared[0].SameSite != http.SameSiteStrictMode {
		t.Fatalf("logout cookie: %+v", cleared)
	}
	// A copy of the old cookie (another tab, a stolen token) is no longer a session.
	if w := rig.do(consoleReq{method: "GET", path: "/console/session", cookie: cookie}); w.Code != 401 {
		t.Fatalf("the session outlived the logout: %d", w.Code)
	}
	if w := rig.do(consoleReq{method: "GET", path: "/probe", cookie: cookie}); w.Code != 401 {
		t.Fatalf("the API accepted a logged-out session: %d", w.Code)
	}
}

func TestConsoleServesVersionedAssets(t *testing.T) {
	rig := newConsoleRig(t, false)
	w := rig.do(consoleReq{method: "GET", path: "/console/"})
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("index: %d %s", w.Code, w.Header())
	}
	csp := w.Header().Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-") {
		t.Errorf("CSP allows unsafe sources: %q", csp)
	}
	if w.Header().Get("X-Frame-Options") != "DENY" || w.Header().Get("Cache-Control") != "no-cache" {
		t.Errorf("index headers: %v", w.Header())
	}
	html := w.Body.String()
	// No inline code the CSP would block: every script has a src, no style or on* attributes.
	if regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]|\sstyle=|\son[a-z]+=`).MatchString(html) {
		t.Error("the shell has inline script, style or handlers")
	}
	urls := regexp.MustCompile(`(?:src|href)="(/console/assets/[^"]+)"`).FindAllStringSubmatch(html, -1)
	if len(urls) < 2 {
		t.Fatalf("asset URLs in the shell: %v", urls)
	}
	types := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
	for _, u := range urls {
		w := rig.do(consoleReq{method: "GET", path: u[1]})
		if w.Code != 200 || w.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Errorf("%s: %d %q", u[1], w.Code, w.Header().Get("Cache-Control"))
		}
		for ext, ct := range types {
			if strings.HasSuffix(u[1], ext) && w.Header().Get("Content-Type") != ct {
				t.Errorf("%s: Content-Type %q", u[1], w.Header().Get("Content-Type"))
			}
		}
		// An old version's URL is gone rather than served stale under a long cache.
		old := regexp.MustCompile(`/console/assets/[^/]+/`).ReplaceAllString(u[1], "/console/assets/0000000000000000/")
		if w := rig.do(consoleReq{method: "GET", path: old}); w.Code != 404 {
			t.Errorf("%s: %d", old, w.Code)
		}
	}
	if w := rig.do(consoleReq{method: "GET", path: "/console"}); w.Code != http.StatusMovedPermanently || w.Header().Get("Location") != "/console/" {
		t.Errorf("/console: %d %s", w.Code, w.Header().Get("Location"))
	}
}

func TestConsolePagesFollowRoles(t *testing.T) {
	for _, tc := range []struct {
		role string
		want []string
	}{
		{auth.RoleAdmin, []string{"review", "school", "lookup", "audit", "staff"}},
		{auth.RoleReviewer, []string{"review"}},
		{auth.RoleSchoolAdmin, []string{"school"}},
		{auth.RoleSupport, []string{"lookup"}},
		{"someone", []string{}},
	} {
		t.Run(tc.role, func(t *testing.T) {
			if got := pagesFor(tc.role); !slices.Equal(got, tc.want) {
				t.Fatalf("pagesFor(%s) = %v, want %v", tc.role, got, tc.want)
			}
		})
	}
}

func TestConsoleDemoQueueOnlyInSandbox(t *testing.T) {
	for _, tc := range []struct {
		mode    string
		sandbox bool
		status  int // of a demo-queue request without the CSRF token
	}{
		{"sandbox", true, http.StatusForbidden}, // mounted, and CSRF-checked like every change
		{"production", false, http.StatusNotFound},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			rig := newConsoleRig(t, false, func(c *config.Config) { c.WeChat.Mode = tc.mode })
			cookie, _ := rig.login(t, "rev")
			var s consoleSessionJSON
			w := rig.do(consoleReq{method: "GET", path: "/console/session", cookie: cookie})
			if err := json.Unmarshal(w.Body.Bytes(), &s); err != nil || s.Sandbox != tc.sandbox {
				t.Fatalf("session %s: sandbox should be %v", w.Body, tc.sandbox)
			}
			if w := rig.do(consoleReq{method: "POST", path: "/console/sandbox/demo-queue", cookie: cookie}); w.Code != tc.status {
				t.Fatalf("demo queue: %d %s, want %d", w.Code, w.Body, tc.status)
			}
		})
	}
}
