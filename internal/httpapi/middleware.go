package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/auth"
)

const (
	ctxRequestID = "request_id"
	ctxPrincipal = "principal"
)

func requestID(c *gin.Context) string { return c.GetString(ctxRequestID) }

// withRequestID takes a sane X-Request-ID from the client or makes one, and echoes it.
func withRequestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		rid := c.GetHeader("X-Request-ID")
		if len(rid) == 0 || len(rid) > 64 || strings.ContainsAny(rid, " \t\r\n\"") {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			rid = hex.EncodeToString(b)
		}
		c.Set(ctxRequestID, rid)
		c.Header("X-Request-ID", rid)
		c.Next()
	}
}

// baseHeaders go on every answer: no content sniffing (api.md), and no caching unless a
// handler says otherwise (answers carry personal data; the console's assets override it).
func baseHeaders(c *gin.Context) {
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Cache-Control", "no-store")
	c.Next()
}

// longRequests may outlast http.request_timeout: an export streams a whole school's
// photos, a roster import parses up to 32 MB. They end with their client instead.
var longRequests = map[string]bool{
	"/admin/api/v1/schools/:id/export": true,
	"/admin/api/v1/schools/:id/roster": true,
}

// withDeadline bounds each request's work by d: database calls and waits for image
// memory end when it passes, and the client gets 503 instead of waiting on a stalled
// database.
func withDeadline(d time.Duration) gin.HandlerFunc {
	return func(c *gin.Context) {
		if d <= 0 || longRequests[c.FullPath()] {
			c.Next()
			return
		}
		ctx, cancel := context.WithTimeout(c.Request.Context(), d)
		defer cancel()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}

// accessLog logs one line per request: route pattern (not the raw URL, which can carry
// personal data), status, latency, request id.
func (s *Server) accessLog() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		if route == "/healthz" || route == "/metrics" {
			return
		}
		s.d.Log.InfoContext(c.Request.Context(), "http", "method", c.Request.Method, "route", route,
			"status", c.Writer.Status(), "ms", float64(time.Since(start).Microseconds())/1000, "request_id", requestID(c))
	}
}

// Metrics are the HTTP metrics exported at /metrics.
type Metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// NewMetrics registers the HTTP metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gradphoto_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gradphoto_http_request_duration_seconds", Help: "HTTP request latency by route and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method"}),
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

func (m *Metrics) middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		m.requests.WithLabelValues(route, c.Request.Method, strconv.Itoa(c.Writer.Status())).Inc()
		m.latency.WithLabelValues(route, c.Request.Method).Observe(time.Since(start).Seconds())
	}
}

// recoverPanics turns a panic into a logged internal error, never a dropped connection.
func (s *Server) recoverPanics() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				s.fail(c, apperr.Internal(fmt.Errorf("panic: %v", r)))
			}
		}()
		c.Next()
	}
}

func bearer(c *gin.Context) string {
	h := c.GetHeader("Authorization")
	if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
		return strings.TrimSpace(tok)
	}
	return ""
}

// requireStudent admits a valid student token.
func (s *Server) requireStudent() gin.HandlerFunc {
	return func(c *gin.Context) {
		p, err := s.d.Auth.VerifyStudent(c.Request.Context(), bearer(c))
		if err != nil {
			s.fail(c, err)
			return
		}
		c.Set(ctxPrincipal, p)
		c.Next()
	}
}

// requireStaff admits a valid staff token of one of roles (admin is always admitted).
// The console's cookie session is accepted too, so both share the same checks.
func (s *Server) requireStaff(roles ...string) gin.HandlerFunc {
	return func(c *gin.Context) {
		tok := bearer(c)
		if tok == "" && s.staffTokenFromCookie != nil {
			tok = s.staffTokenFromCookie(c)
			if c.IsAborted() { // the console refused the cookie (CSRF)
				return
			}
		}
		p, err := s.d.Auth.VerifyStaff(c.Request.Context(), tok)
		if err != nil {
			s.fail(c, err)
			return
		}
		allowed := p.Role == auth.RoleAdmin
		for _, r := range roles {
			allowed = allowed || p.Role == r
		}
		if !allowed {
			s.fail(c, apperr.ErrForbidden)
			return
		}
		c.Set(ctxPrincipal, p)
		c.Next()
	}
}

func principal(c *gin.Context) *auth.Principal {
	p, _ := c.Get(ctxPrincipal)
	pp, _ := p.(*auth.Principal)
	return pp
}
