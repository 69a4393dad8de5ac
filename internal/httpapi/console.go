package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/auth"
	"github.com/gradphoto/gradphoto/internal/console"
)

// The staff console (/console/) is a static single-page front end on the admin API.
// Its session is the staff token in an HttpOnly cookie, which requireStaff accepts
// through Server.staffTokenFromCookie; state-changing requests made with the cookie
// must carry the session's CSRF token in a header. Bearer-token clients are unaffected.

const (
	// csrfHeader carries the CSRF token on every state-changing console request.
	csrfHeader = "X-CSRF-Token"
	// consoleCookie is the session cookie on plain http (local development only).
	consoleCookie = "gradphoto_staff"
	// consoleCookieSecure is its name over https: the __Host- prefix makes the browser
	// refuse it unless Secure, Path=/ and no Domain, so a sibling subdomain cannot plant one.
	consoleCookieSecure = "__Host-gradphoto_staff"
)

var (
	errCSRF = apperr.New(apperr.KindForbidden, "csrf_failed", "页面已过期，请刷新后重试")
	// errConsoleJSON: a cross-site form cannot send application/json without a CORS
	// preflight, which this server never grants; so a login cannot be forged (login CSRF).
	errConsoleJSON = apperr.New(apperr.KindUnsupportedMedia, "json_required", "请求格式不正确，请刷新页面后重试")
)

// consolePage is a page of the console and the roles that may open it.
type consolePage struct {
	id    string
	roles []string
}

// consolePages lists the console's pages in menu order with the roles that may open
// them. They mirror the requireStaff roles of the API routes each page calls (admin may
// open every page), which are what actually protect the data: a hidden menu entry is a
// convenience only.
func consolePages() []consolePage {
	return []consolePage{
		{"review", []string{auth.RoleReviewer}},    // /reviews/*
		{"school", []string{auth.RoleSchoolAdmin}}, // /schools/:id/*
		{"lookup", []string{auth.RoleSupport}},     // /lookup, /orders/:otn/refund
		{"audit", nil},                             // /audit: admin only
		{"staff", nil},                             // /staff: admin only
	}
}

// pagesFor returns the pages a role may open, in menu order.
func pagesFor(role string) []string {
	out := []string{}
	for _, p := range consolePages() {
		ok := role == auth.RoleAdmin
		for _, r := range p.roles {
			ok = ok || r == role
		}
		if ok {
			out = append(out, p.id)
		}
	}
	return out
}

// csrfToken derives the CSRF token from the session token: it needs no storage, holds
// across instances, changes with every login, and does not reveal the session token.
func csrfToken(session string) string {
	sum := sha256.Sum256([]byte("gradphoto-console-csrf\x00" + session))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

type consoleHandlers struct {
	s      *Server
	bundle *console.Bundle
	secure bool
	// sandbox: dev mode, where the review page can fill the queue with demo students.
	sandbox bool
}

func (h *consoleHandlers) cookieName() string {
	if h.secure {
		return consoleCookieSecure
	}
	return consoleCookie
}

// mountConsole serves the console and lets its cookie through requireStaff.
func mountConsole(r *gin.Engine, s *Server) {
	bundle, err := console.Load()
	if err != nil {
		// The assets are embedded: this is a broken build, not a runtime condition.
		panic("console: " + err.Error())
	}
	secure := s.d.Config != nil && s.d.Config.Console.SecureCookies
	h := &consoleHandlers{s: s, bundle: bundle, secure: secure, sandbox: s.d.Config != nil && s.d.Config.Sandbox()}
	s.staffTokenFromCookie = h.tokenFromCookie
	if !secure && !h.sandbox && s.d.Log != nil {
		s.d.Log.Warn("console session cookie without Secure in production mode: set console.secure_cookies (GRADPHOTO_CONSOLE_SECURE_COOKIES=true) behind HTTPS")
	}

	r.GET("/console", func(c *gin.Context) { c.Redirect(http.StatusMovedPermanently, "/console/") })
	r.GET("/console/", h.index)
	r.GET(console.AssetPrefix+":version/*file", h.asset)
	r.POST("/console/login", s.requireJSON, s.auditStaffLogin(), h.login)
	r.GET("/console/session", h.session)
	r.POST("/console/logout", h.logout)
	if h.sandbox {
		r.POST("/console/sandbox/demo-queue", s.requireStaff(auth.RoleReviewer), h.demoQueue(r))
	}
}

// tokenFromCookie returns the console session's token. On a state-changing request it
// also demands the CSRF header; without it the request is refused here (aborted).
func (h *consoleHandlers) tokenFromCookie(c *gin.Context) string {
	ck, err := c.Request.Cookie(h.cookieName())
	if err != nil || ck.Value == "" {
		return ""
	}
	if !safeMethod(c.Request.Method) {
		got := c.GetHeader(csrfHeader)
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(csrfToken(ck.Value))) != 1 {
			h.s.fail(c, errCSRF)
			return ""
		}
	}
	return ck.Value
}

// securityHeaders go on every console response.
func securityHeaders(c *gin.Context) {
	c.Header("Content-Security-Policy", console.ContentSecurityPolicy)
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("X-Frame-Options", "DENY")
	c.Header("Referrer-Policy", "same-origin")
}

func (h *consoleHandlers) index(c *gin.Context) {
	securityHeaders(c)
	// The shell names the current asset version: always revalidate it.
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "text/html; charset=utf-8", h.bundle.Index())
}

func (h *consoleHandlers) asset(c *gin.Context) {
	securityHeaders(c)
	if c.Param("version") != h.bundle.Version() {
		// An old page after a deployment: its assets are gone; the page reloads the shell.
		h.s.fail(c, apperr.ErrNotFound)
		return
	}
	name := strings.TrimPrefix(c.Param("file"), "/")
	data, ok := h.bundle.Asset(name)
	if !ok {
		h.s.fail(c, apperr.ErrNotFound)
		return
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	switch path.Ext(name) { // not left to the host's mime.types
	case ".js":
		ctype = "text/javascript; charset=utf-8"
	case ".css":
		ctype = "text/css; charset=utf-8"
	case ".svg":
		ctype = "image/svg+xml"
	}
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	c.Header("Cache-Control", "public, max-age=31536000, immutable")
	c.Data(http.StatusOK, ctype, data)
}

// requireJSON refuses a login whose body is not declared JSON (415): see errConsoleJSON.
func (s *Server) requireJSON(c *gin.Context) {
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || mt != "application/json" {
		s.fail(c, errConsoleJSON)
	}
}

func (h *consoleHandlers) login(c *gin.Context) {
	securityHeaders(c)
	c.Header("Cache-Control", "no-store")
	var req struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := bindJSON(c, &req); err != nil {
		h.s.fail(c, err)
		return
	}
	sess, err := h.s.d.Auth.StaffLogin(c.Request.Context(), c.ClientIP(), strings.TrimSpace(req.Username), req.Password)
	if err != nil {
		h.s.fail(c, err)
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{
		Name: h.cookieName(), Value: sess.Token, Path: "/", Expires: sess.ExpiresAt,
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteStrictMode,
	})
	c.JSON(http.StatusOK, consoleSessionJSON{Username: sess.Username, Role: sess.Role, SchoolID: nullable(sess.SchoolID),
		ExpiresAt: sess.ExpiresAt, CSRFToken: csrfToken(sess.Token), Pages: pagesFor(sess.Role), Sandbox: h.sandbox})
}

// session tells the page who is logged in (after a reload), with the CSRF token.
func (h *consoleHandlers) session(c *gin.Context) {
	securityHeaders(c)
	c.Header("Cache-Control", "no-store")
	tok := h.tokenFromCookie(c)
	p, err := h.s.d.Auth.VerifyStaff(c.Request.Context(), tok)
	if err != nil {
		h.s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, consoleSessionJSON{Username: p.Username, Role: p.Role, SchoolID: nullable(p.SchoolID),
		ExpiresAt: time.Unix(p.Expires, 0).UTC(), CSRFToken: csrfToken(tok), Pages: pagesFor(p.Role), Sandbox: h.sandbox})
}

// logout clears the cookie and ends the account's sessions. It is CSRF-checked like
// any state change, so that another site cannot log a reviewer out in the middle of a
// review.
func (h *consoleHandlers) logout(c *gin.Context) {
	securityHeaders(c)
	tok := h.tokenFromCookie(c)
	if c.IsAborted() {
		return
	}
	// The signed token would stay valid until it expires: end the account's sessions.
	if err := h.s.d.Auth.EndStaffSessions(c.Request.Context(), tok); err != nil && apperr.As(err).Kind != apperr.KindUnauthorized {
		h.s.fail(c, err)
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: h.cookieName(), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteStrictMode})
	c.Status(http.StatusNoContent)
}
