// Package app is the one place where gradphoto's parts are built and connected:
// configuration in, a running server (and the staff commands' services) out.
// cmd/gradphoto and the end-to-end tests both use it.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/silenceper/wechat/v2"
	"gorm.io/gorm"

	"github.com/gradphoto/gradphoto/internal/audit"
	"github.com/gradphoto/gradphoto/internal/auth"
	"github.com/gradphoto/gradphoto/internal/collection"
	"github.com/gradphoto/gradphoto/internal/config"
	"github.com/gradphoto/gradphoto/internal/db"
	"github.com/gradphoto/gradphoto/internal/httpapi"
	"github.com/gradphoto/gradphoto/internal/imagebudget"
	"github.com/gradphoto/gradphoto/internal/notify"
	"github.com/gradphoto/gradphoto/internal/payment"
	"github.com/gradphoto/gradphoto/internal/payment/wxshipping"
	"github.com/gradphoto/gradphoto/internal/review"
	"github.com/gradphoto/gradphoto/internal/roster"
	"github.com/gradphoto/gradphoto/internal/sandbox"
	"github.com/gradphoto/gradphoto/internal/school"
	"github.com/gradphoto/gradphoto/internal/storage"
	"github.com/gradphoto/gradphoto/internal/usecase"
)

// App holds every built service.
type App struct {
	Config      *config.Config
	Log         *slog.Logger
	DB          *gorm.DB
	Blobs       storage.Blobs
	Auth        *auth.Service
	Schools     *school.Service
	Roster      *roster.Service
	Collections *collection.Service
	Reviews     *review.Service
	Outbox      *notify.Outbox
	Payments    *payment.Service
	Registry    *prometheus.Registry
	Router      *gin.Engine
	HTTP        *httpapi.Server

	// Audit, Importer and Staff serve the staff API and commands (wire_admin.go).
	Audit    *audit.Log
	Importer *roster.Importer
	Staff    *collection.Staff

	now        func() time.Time
	wrap       func(http.Handler) http.Handler // Serve's handler around Router (tests)
	payGateway *payment.WeChatGateway
	// workers run beside the HTTP server in serve (reconciliation, outbox, review SLA).
	workers []worker
}

type worker struct {
	name string
	run  func(ctx context.Context)
}

// Option changes how New builds the app (tests).
type Option func(*options)

type options struct {
	now  func() time.Time
	wrap func(http.Handler) http.Handler
}

// WithClock replaces the wall clock.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithHandler wraps the router for Serve (the e2e tests check every exchange against
// docs/openapi.yaml there, SDK traffic to the sandbox included).
func WithHandler(wrap func(http.Handler) http.Handler) Option {
	return func(o *options) { o.wrap = wrap }
}

// New builds the app: opens the database (not migrating it), storage, WeChat clients,
// services and the router.
func New(ctx context.Context, cfg *config.Config, log *slog.Logger, opts ...Option) (*App, error) {
	// Millisecond precision: what DATETIME(3) keeps, so a value reads back as written.
	o := options{now: func() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }}
	for _, f := range opts {
		f(&o)
	}
	a := &App{Config: cfg, Log: log, now: o.now, wrap: o.wrap}
	if cfg.Sandbox() && cfg.WeChat.SubscribeTemplateApproved == "" && cfg.WeChat.SubscribeTemplateRejected == "" {
		// The sandbox ships demo templates, so that `make run` shows the subscribe channel.
		cfg.WeChat.SubscribeTemplateApproved, cfg.WeChat.SubscribeTemplateRejected = sandbox.DemoTemplateApproved, sandbox.DemoTemplateRejected
	}
	var err error
	if a.DB, err = db.Open(ctx, cfg.DB.Driver, cfg.DB.DSN, cfg.DB.MaxOpenConns, log,
		db.Timeouts{Connect: cfg.DB.ConnectTimeout, Read: cfg.DB.ReadTimeout, Write: cfg.DB.WriteTimeout}); err != nil {
		return nil, err
	}
	if a.Blobs, err = newBlobs(ctx, cfg); err != nil {
		return nil, err
	}
	secrets, err := loadSecrets(cfg)
	if err != nil {
		return nil, err
	}

	// WeChat: the real SDK, its (package-level) HTTP client pointed at the sandbox in dev mode.
	mini := auth.NewMiniProgram(cfg.WeChat.AppID, cfg.WeChat.AppSecret)
	httpClient := &http.Client{Timeout: 10 * time.Second}
	if cfg.Sandbox() {
		httpClient = sandbox.NewHTTPClient(cfg.WeChat.SandboxURL)
		base := cfg.WeChat.SandboxURL
		mini.ContextHook = func(ctx context.Context) context.Context { return sandbox.WithBaseURL(ctx, base) }
	}
	wechat.NewWechat().SetHTTPClient(httpClient)

	a.Auth = auth.NewService(a.DB, mini, auth.Config{
		TokenSecret: secrets.token, StudentTokenTTL: cfg.Auth.StudentTokenTTL, StaffTokenTTL: cfg.Auth.StaffTokenTTL,
		StaffMaxFailures: cfg.Auth.StaffMaxFailures, StaffLockout: cfg.Auth.StaffLockout,
		StaffFailuresPerMinute: cfg.Auth.StaffFailuresPerMinute,
	}, o.now, log)

	// One memory budget for every decode of an upload, photos and 采集码 alike.
	memory := imagebudget.New(int64(cfg.Memory.ImageBudgetMB)<<20, imageBudgetWait)
	photos, err := newPhotoChecker(cfg, memory)
	if err != nil {
		return nil, err
	}
	codes, err := newCodeReader(cfg, secrets.captureKey, memory)
	if err != nil {
		return nil, err
	}
	a.Schools = school.NewService(a.DB, photos.knownProfile, o.now, log)
	a.Roster = roster.NewService(a.DB, o.now, log)
	a.Collections = collection.NewService(collection.Deps{
		DB: a.DB, Schools: a.Schools, Roster: a.Roster, Phones: a.Auth, Codes: codes, Photos: photos,
		Blobs: a.Blobs, Now: o.now, Log: log, MaxVerifyFailures: cfg.Auth.MaxVerifyFailures,
		DefaultPhotoProfile: cfg.Photo.DefaultProfile,
		Limits:              collection.Limits{DailyUploadBytes: cfg.Storage.DailyUploadBytes, RejectedKeep: cfg.Storage.RejectedKeep},
		SubscribeTemplates:  []string{cfg.WeChat.SubscribeTemplateApproved, cfg.WeChat.SubscribeTemplateRejected},
	})

	a.Audit = audit.NewLog(a.DB, o.now, log)

	rv, err := newReview(cfg, a, mini, o.now)
	if err != nil {
		return nil, err
	}
	a.Reviews, a.Outbox = rv.service, rv.outbox
	a.workers = append(a.workers, rv.workers...)

	pays, err := newPayments(cfg, a, httpClient, o.now)
	if err != nil {
		return nil, err
	}
	a.Payments, a.payGateway = pays.service, pays.gateway

	a.Registry = prometheus.NewRegistry()
	a.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	deps := httpapi.Deps{
		Config: cfg, Log: log, Auth: a.Auth, Schools: a.Schools, Collections: a.Collections,
		Metrics: httpapi.NewMetrics(a.Registry), Gatherer: a.Registry,
		Ready:      func(ctx context.Context) error { return db.Ping(ctx, a.DB) },
		PhotoRules: photos.studentRules(),
		Reviews:    a.Reviews,
		Payments:   a.Payments,
	}
	if cfg.Sandbox() {
		sbMini := sandbox.NewMiniProgram(cfg.WeChat.AppID, cfg.WeChat.AppSecret)
		subs := sandbox.NewSubscribe(sbMini, nil)
		// Templates configured under other ids have the demo templates' keywords.
		subs.AddTemplate(cfg.WeChat.SubscribeTemplateApproved, sandbox.DemoTemplates[sandbox.DemoTemplateApproved])
		subs.AddTemplate(cfg.WeChat.SubscribeTemplateRejected, sandbox.DemoTemplates[sandbox.DemoTemplateRejected])
		deps.Sandbox = append(deps.Sandbox, sbMini, subs, sandbox.NewSMS(sentSMS{a.Outbox}),
			sandbox.NewShipping(sbMini, pays.sandbox, cfg.WeChat.SandboxTradeManaged), pays.sandbox)
	}
	deps.Admin = a.wireAdmin(photos, codes.sealer)
	deps.Cases = usecase.New(usecase.Deps{DB: a.DB, Auth: a.Auth, Schools: a.Schools, Roster: a.Roster, Collections: a.Collections,
		Staff: a.Staff, Payments: a.Payments, Reviews: a.Reviews, Blobs: a.Blobs, Outbox: a.Outbox, Trail: a.Audit, Now: a.now})
	a.Router, a.HTTP = httpapi.NewRouter(deps)

	a.workers = append(a.workers, worker{"payment-reconcile", func(ctx context.Context) {
		a.Payments.RunReconciler(ctx, cfg.Pay.ReconcileInterval)
	}})
	// 发货信息管理: uploads happen only if WeChat says the merchant is trade-managed.
	a.Payments.SetShipper(wxshipping.New(mini.SDK(), cfg.WeChat.AppID, cfg.Pay.MchID, mini.ContextHook))
	a.workers = append(a.workers, worker{"payment-shipping", func(ctx context.Context) {
		every(ctx, cfg.Pay.ShippingInterval, func(ctx context.Context) {
			if n, err := a.Payments.ShipPaid(ctx); err != nil {
				log.WarnContext(ctx, "shipping info upload", "err", err)
			} else if n > 0 {
				log.InfoContext(ctx, "shipping info uploaded", "orders", n)
			}
		})
	}})
	a.workers = append(a.workers, worker{"photo-retention", func(ctx context.Context) {
		every(ctx, time.Hour, func(ctx context.Context) {
			if n, err := a.Collections.PurgeRejectedPhotos(ctx, cfg.Storage.RejectedRetention); err != nil {
				log.ErrorContext(ctx, "purge rejected photos", "err", err)
			} else if n > 0 {
				log.InfoContext(ctx, "purged rejected photos", "count", n)
			}
			if n, err := a.Collections.PurgeReplacedPhotos(ctx, cfg.Storage.ReplacedRetention); err != nil {
				log.ErrorContext(ctx, "purge replaced photos", "err", err)
			} else if n > 0 {
				log.InfoContext(ctx, "purged replaced photos", "count", n)
			}
		})
	}})
	return a, nil
}

// Migrate applies the schema.
func (a *App) Migrate(ctx context.Context) error { return db.Migrate(ctx, a.DB, a.Log) }

// Start prepares serving: the search index.
func (a *App) Start(ctx context.Context) error { return a.Schools.Refresh(ctx) }

// Serve runs the HTTP server on ln and the background workers until ctx ends, then
// shuts down gracefully.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	if err := a.Start(ctx); err != nil {
		if ctx.Err() != nil {
			return nil // stopped while starting
		}
		return err
	}
	var handler http.Handler = a.Router
	if a.wrap != nil {
		handler = a.wrap(handler)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 2 * time.Minute, WriteTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute}
	wctx, stopWorkers := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	for _, w := range a.workers {
		wg.Add(1)
		go func(w worker) {
			defer wg.Done()
			a.Log.InfoContext(wctx, "worker started", "worker", w.name)
			w.run(wctx)
		}(w)
	}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	var metricsSrv *http.Server
	if addr := a.Config.HTTP.MetricsAddr; addr != "" {
		mln, err := net.Listen("tcp", addr)
		if err != nil {
			_ = srv.Close()
			stopWorkers()
			wg.Wait()
			return fmt.Errorf("metrics listener: %w", err)
		}
		metricsSrv = &http.Server{Handler: httpapi.MetricsHandler(a.Registry), ReadHeaderTimeout: 10 * time.Second}
		go func() { errc <- metricsSrv.Serve(mln) }()
		a.Log.InfoContext(ctx, "metrics served", "addr", mln.Addr().String())
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	a.Log.InfoContext(ctx, "shutting down: finishing requests in flight", "timeout", a.Config.HTTP.ShutdownTimeout.String())
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.Config.HTTP.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		a.Log.WarnContext(shutCtx, "requests still running at the shutdown timeout", "err", err)
	}
	if metricsSrv != nil {
		_ = metricsSrv.Shutdown(shutCtx)
	}
	stopWorkers()
	wg.Wait()
	a.Log.InfoContext(shutCtx, "stopped: HTTP server and workers")
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// Close releases the database.
func (a *App) Close() error {
	if a.payGateway != nil {
		a.payGateway.Close()
	}
	sqlDB, err := a.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// every runs fn now and then every interval until ctx ends.
func every(ctx context.Context, interval time.Duration, fn func(ctx context.Context)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		fn(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Models lists every GORM model (the schema test compares them with the migrated tables).
func Models() []any {
	var out []any
	out = append(out, school.Models()...)
	out = append(out, roster.Models()...)
	out = append(out, auth.Models()...)
	out = append(out, collection.Models()...)
	out = append(out, review.Models()...)
	out = append(out, notify.Models()...)
	out = append(out, payment.Models()...)
	out = append(out, audit.Models()...)
	return out
}

func newBlobs(ctx context.Context, cfg *config.Config) (storage.Blobs, error) {
	switch cfg.Storage.Driver {
	case "local":
		return storage.NewLocal(cfg.Storage.LocalDir)
	case "s3":
		return storage.NewS3(ctx, storage.S3Config{Endpoint: cfg.Storage.Endpoint, Bucket: cfg.Storage.Bucket,
			Region: cfg.Storage.Region, AccessKey: cfg.Storage.AccessKey, SecretKey: cfg.Storage.SecretKey, UseSSL: cfg.Storage.UseSSL})
	}
	return nil, fmt.Errorf("storage driver %q is not available in this build", cfg.Storage.Driver)
}
