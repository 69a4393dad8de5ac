// Package httpapi translates HTTP to service calls and errors to responses: the
// student API (/api/v1), the staff API (/admin/api/v1), the WeChat Pay callbacks,
// health and metrics, and the sandbox mount in dev mode. No rules live here.
package httpapi

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/auth"
	"github.com/gradphoto/gradphoto/internal/collection"
	"github.com/gradphoto/gradphoto/internal/config"
	"github.com/gradphoto/gradphoto/internal/payment"
	"github.com/gradphoto/gradphoto/internal/review"
	"github.com/gradphoto/gradphoto/internal/school"
	"github.com/gradphoto/gradphoto/internal/usecase"
)

// Mounter adds routes to a group (the sandbox's parts).
type Mounter interface{ Mount(r gin.IRouter) }

// Deps are the services the handlers call.
type Deps struct {
	Config      *config.Config
	Log         *slog.Logger
	Auth        *auth.Service
	Schools     *school.Service
	Collections *collection.Service
	Metrics     *Metrics
	Gatherer    prometheus.Gatherer
	// Ready checks the dependencies for /readyz.
	Ready func(ctx context.Context) error
	// Sandbox parts, mounted under /sandbox when not empty (never in production mode).
	Sandbox []Mounter
	// PhotoRules are the student-facing photo rules for /api/v1/info.
	PhotoRules []string
	// Admin serves the staff API's schools, rosters, exports, look-ups, refunds and
	// audit trail (routes absent when nil).
	Admin *AdminDeps
	// Payments serves orders, WeChat Pay's callbacks and refunds (routes absent when nil).
	Payments *payment.Service
	// Reviews serves the reviewers' queue (routes absent when nil).
	Reviews *review.Service
	// Cases are the use cases that cross domains (students' orders, support, school
	// administrators, staff accounts).
	Cases *usecase.UseCases
}

// Server holds the handlers.
type Server struct {
	d Deps
	// staffTokenFromCookie lets the staff console's cookie session through requireStaff.
	staffTokenFromCookie func(c *gin.Context) string
}

// NewRouter builds the whole HTTP surface.
func NewRouter(d Deps) (*gin.Engine, *Server) {
	gin.SetMode(gin.ReleaseMode)
	s := &Server{d: d}
	r := gin.New()
	r.HandleMethodNotAllowed = true
	// Client IPs (audit log) come from X-Forwarded-For only when a trusted proxy sent it.
	_ = r.SetTrustedProxies(d.Config.HTTP.TrustedProxies) // validated by config
	r.ContextWithFallback = true
	r.MaxMultipartMemory = 1 << 20
	r.Use(withRequestID(), s.recoverPanics(), s.accessLog(), baseHeaders, withDeadline(d.Config.HTTP.RequestTimeout))
	if d.Metrics != nil {
		r.Use(d.Metrics.middleware())
	}
	r.NoRoute(func(c *gin.Context) { s.fail(c, errNoRoute) })
	r.NoMethod(func(c *gin.Context) { s.fail(c, errNoMethod) })

	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", s.readyz)
	// /metrics is never open on the public port (api.md): app serves MetricsHandler on
	// http.metrics_addr when set; otherwise it is here behind the metrics token.
	if d.Gatherer != nil && d.Config.HTTP.MetricsAddr == "" && d.Config.HTTP.MetricsToken != "" {
		r.GET("/metrics", s.requireMetricsToken, gin.WrapH(MetricsHandler(d.Gatherer)))
	}

	api := r.Group("/api/v1")
	logins := newWindowLimiter(d.Config.HTTP.LoginsPerMinute, time.Minute, time.Now)
	uploads := newWindowLimiter(d.Config.HTTP.UploadsPerMinute, time.Minute, time.Now)
	api.POST("/auth/wechat-login", s.limit(logins, byClientIP), s.wechatLogin)
	api.GET("/schools", s.searchSchools)
	api.GET("/info", s.info)
	student := api.Group("", s.requireStudent())
	student.POST("/auth/logout", s.studentLogout)
	student.POST("/collections", s.createCollection)
	student.GET("/collections", s.listCollections)
	student.GET("/collections/:id", s.getCollection)
	student.POST("/collections/:id/confirm", s.confirmCollection)
	student.POST("/collections/:id/capture-code", s.limit(uploads, byPrincipal), s.uploadCaptureCode)
	student.POST("/collections/:id/photo", s.limit(uploads, byPrincipal), s.uploadPhoto)
	student.GET("/collections/:id/photo", s.downloadPhoto)
	student.GET("/collections/:id/photo/standard", s.standardPhoto)
	student.POST("/collections/:id/subscribe", s.setSubscription)

	admin := r.Group("/admin/api/v1")
	admin.POST("/login", s.requireJSON, s.auditStaffLogin(), s.staffLogin)
	s.mountPayment(r, student)
	s.mountAdmin(admin)
	mountReview(admin, s, d.Reviews)
	mountConsole(r, s)

	if len(d.Sandbox) > 0 && d.Config.Sandbox() {
		sb := r.Group("/sandbox")
		s.mountDemoFiles(sb)
		for _, m := range d.Sandbox {
			m.Mount(sb)
		}
	}
	return r, s
}

// readyTimeout bounds /readyz: a load balancer must learn within 2 s that the database
// stalled, whatever the database does.
const readyTimeout = 1500 * time.Millisecond

func (s *Server) readyz(c *gin.Context) {
	if s.d.Ready != nil {
		ctx, cancel := context.WithTimeout(c.Request.Context(), readyTimeout)
		defer cancel()
		if err := s.ready(ctx); err != nil {
			s.d.Log.WarnContext(c.Request.Context(), "not ready", "err", err)
			c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable"})
			return
		}
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// ready runs Ready but returns when ctx ends even if Ready does not (a check that
// ignores its context must not hold /readyz).
func (s *Server) ready(ctx context.Context) error {
	done := make(chan error, 1)
	go func() { done <- s.d.Ready(ctx) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// MetricsHandler serves the Prometheus metrics of g.
func MetricsHandler(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{})
}

func (s *Server) requireMetricsToken(c *gin.Context) {
	want := "Bearer " + s.d.Config.HTTP.MetricsToken
	if subtle.ConstantTimeCompare([]byte(c.GetHeader("Authorization")), []byte(want)) != 1 {
		s.fail(c, apperr.ErrUnauthorized)
	}
}

// Routes lists "METHOD /path" of every route (contract tests against the mini-program).
func Routes(r *gin.Engine) []string {
	var out []string
	for _, ri := range r.Routes() {
		out = append(out, ri.Method+" "+ri.Path)
	}
	return out
}
