// Package config owns gradphoto's typed configuration: built-in defaults, a YAML
// file, and GRADPHOTO_* environment overrides, validated once at start. It is the
// only package that reads the environment.
package config

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the whole configuration. YAML keys are the snake_case names below.
type Config struct {
	HTTP    HTTP    `yaml:"http"`
	DataDir string  `yaml:"data_dir"`
	DB      DB      `yaml:"db"`
	Log     Log     `yaml:"log"`
	Auth    Auth    `yaml:"auth"`
	WeChat  WeChat  `yaml:"wechat"`
	Pay     Pay     `yaml:"pay"`
	Storage Storage `yaml:"storage"`
	Support Support `yaml:"support"`
	Photo   Photo   `yaml:"photo"`
	Capture Capture `yaml:"capture_code"`
	Review  Review  `yaml:"review"`
	Notify  Notify  `yaml:"notify"`
	Console Console `yaml:"console"`
	Memory  Memory  `yaml:"memory"`
}

type HTTP struct {
	Addr string `yaml:"addr"`
	// PublicURL is how WeChat and the sandbox reach this server (notify URLs).
	PublicURL      string `yaml:"public_url"`
	MaxUploadBytes int64  `yaml:"max_upload_bytes"`
	// Per-instance limits per minute: logins per client IP, uploads (采集码, photo) per
	// student. 0 turns a limit off.
	LoginsPerMinute  int `yaml:"logins_per_minute"`
	UploadsPerMinute int `yaml:"uploads_per_minute"`
	// TrustedProxies may set X-Forwarded-For (the audit log's client IP); empty: none.
	TrustedProxies  []string      `yaml:"trusted_proxies"`
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// RequestTimeout bounds every request: past it, work still waiting on the database
	// ends and the client gets 503 service_unavailable.
	RequestTimeout time.Duration `yaml:"request_timeout"`
	// MetricsAddr serves /metrics on a listener of its own (e.g. 127.0.0.1:9090); when
	// empty, /metrics is on the public port only with "Authorization: Bearer MetricsToken"
	// and absent when that is empty too.
	MetricsAddr  string `yaml:"metrics_addr"`
	MetricsToken string `yaml:"metrics_token"`
}

type DB struct {
	Driver string `yaml:"driver"` // sqlite | mysql
	// DSN: for sqlite a file path (default <data_dir>/gradphoto.db); for mysql a go-sql-driver DSN.
	DSN          string `yaml:"dsn"`
	MaxOpenConns int    `yaml:"max_open_conns"`
	// MySQL network timeouts, added to the DSN unless it sets them: dialling, and one
	// read or write on an open connection (a stalled server fails queries instead of
	// hanging them; requests are also bounded by http.request_timeout).
	ConnectTimeout time.Duration `yaml:"connect_timeout"`
	ReadTimeout    time.Duration `yaml:"read_timeout"`
	WriteTimeout   time.Duration `yaml:"write_timeout"`
}

type Log struct {
	Level  string `yaml:"level"`  // debug | info | warn | error
	Format string `yaml:"format"` // json | text
}

type Auth struct {
	// TokenSecret signs session tokens. Empty in sandbox mode: generated into the data dir.
	TokenSecret       string        `yaml:"token_secret"`
	StudentTokenTTL   time.Duration `yaml:"student_token_ttl"`
	StaffTokenTTL     time.Duration `yaml:"staff_token_ttl"`
	MaxVerifyFailures int           `yaml:"max_verify_failures_per_hour"`
	// StaffMaxFailures wrong passwords for one account from one client address within
	// StaffLockout make that address's further tries for that account fail without a
	// password check; other addresses are not affected.
	StaffMaxFailures int           `yaml:"staff_max_login_failures"`
	StaffLockout     time.Duration `yaml:"staff_lockout"`
	// StaffFailuresPerMinute: more failed staff logins than this from one client address
	// in a minute → 429 for that address.
	StaffFailuresPerMinute int `yaml:"staff_login_failures_per_minute"`
}

type WeChat struct {
	Mode      string `yaml:"mode"` // sandbox | production
	AppID     string `yaml:"app_id"`
	AppSecret string `yaml:"app_secret"`
	// SandboxURL is where the WeChat hosts are rewritten to in sandbox mode
	// (default: this server's own /sandbox on PublicURL).
	SandboxURL string `yaml:"sandbox_url"`
	// Subscribe-message templates (optional second channel for review results).
	SubscribeTemplateApproved string `yaml:"subscribe_template_approved"`
	SubscribeTemplateRejected string `yaml:"subscribe_template_rejected"`
	// SubscribeState is the mini-program version a message opens: formal (default),
	// trial or developer.
	SubscribeState string `yaml:"subscribe_state"`
	// SandboxTradeManaged: the sandbox's merchant is enrolled in 发货信息管理 (shipping
	// info must be uploaded for every payment), as most mini-program merchants are.
	SandboxTradeManaged bool `yaml:"sandbox_trade_managed"`
}

type Pay struct {
	MchID         string `yaml:"mch_id"`
	MchCertSerial string `yaml:"mch_cert_serial"`
	MchKeyFile    string `yaml:"mch_key_file"` // merchant private key (PEM)
	APIv3Key      string `yaml:"api_v3_key"`   // 32 bytes; from env GRADPHOTO_PAY_API_V3_KEY
	// Verification: platform certificates (downloaded) and/or the WeChat Pay public key.
	PublicKeyID       string        `yaml:"public_key_id"`
	PublicKeyFile     string        `yaml:"public_key_file"`
	NotifyURL         string        `yaml:"notify_url"`
	RefundNotifyURL   string        `yaml:"refund_notify_url"`
	OrderExpiry       time.Duration `yaml:"order_expiry"`
	ReconcileAfter    time.Duration `yaml:"reconcile_after"`
	ReconcileInterval time.Duration `yaml:"reconcile_interval"`
	// QueryOnReadInterval: a student reading a collection whose order may have been paid
	// makes WeChat Pay be asked about it, at most this often per order.
	QueryOnReadInterval time.Duration `yaml:"query_on_read_interval"`
	// ShippingInterval: how often paid orders' shipping info is uploaded (发货信息管理).
	ShippingInterval time.Duration `yaml:"shipping_interval"`
}

type Storage struct {
	Driver    string `yaml:"driver"` // local | s3
	LocalDir  string `yaml:"local_dir"`
	Endpoint  string `yaml:"endpoint"`
	Bucket    string `yaml:"bucket"`
	Region    string `yaml:"region"`
	AccessKey string `yaml:"access_key"`
	SecretKey string `yaml:"secret_key"`
	UseSSL    bool   `yaml:"use_ssl"`
	// RejectedRetention: how long a photo that failed the checks is kept.
	RejectedRetention time.Duration `yaml:"rejected_retention"`
	// RejectedKeep: rejected uploads kept per student (the latest ones, for staff);
	// older ones are deleted at once.
	RejectedKeep int `yaml:"rejected_keep"`
	// ReplacedRetention: how long an accepted photo that a newer one replaced is kept.
	ReplacedRetention time.Duration `yaml:"replaced_retention"`
	// DailyUploadBytes caps the photo bytes one student may upload in 24 hours.
	DailyUploadBytes int64 `yaml:"daily_upload_bytes"`
}

type Support struct {
	Phone string `yaml:"phone"`
	Hours string `yaml:"hours"`
	// AlertPhone receives an SMS for every payment anomaly (empty: audit trail and log only).
	AlertPhone string `yaml:"alert_phone"`
}

type Photo struct {
	// DefaultProfile names the profile used when a school names none.
	DefaultProfile string `yaml:"default_profile"`
	// Profiles overrides limits of the built-in chsi profile: name -> limit key -> value.
	Profiles map[string]map[string]float64 `yaml:"profiles"`
}

type Capture struct {
	MinLength int    `yaml:"min_length"`
	MaxLength int    `yaml:"max_length"`
	Pattern   string `yaml:"pattern"` // optional regular expression the payload must match
	// EncryptionKey (hex, 32 bytes) encrypts stored codes; generated into the data dir when empty.
	EncryptionKey string `yaml:"encryption_key"`
}

type Review struct {
	Lease time.Duration `yaml:"lease"`
	SLA   time.Duration `yaml:"sla"`
}

type Notify struct {
	Provider     string        `yaml:"provider"` // log | tencent
	MaxAttempts  int           `yaml:"max_attempts"`
	PollInterval time.Duration `yaml:"poll_interval"`
	Tencent      TencentSMS    `yaml:"tencent"`
}

type TencentSMS struct {
	Endpoint         string `yaml:"endpoint"` // default sms.tencentcloudapi.com
	Region           string `yaml:"region"`
	SecretID         string `yaml:"secret_id"`
	SecretKey        string `yaml:"secret_key"`
	SdkAppID         string `yaml:"sdk_app_id"`
	SignName         string `yaml:"sign_name"`
	TemplateApproved string `yaml:"template_approved"`
	TemplateRejected string `yaml:"template_rejected"`
	TemplateReminder string `yaml:"template_reminder"` // school reminders ({1} school, {2} what is missing)
	// TemplateCHSIFailed: "学信网比对未通过：{1}，请登录小程序重新上传照片".
	TemplateCHSIFailed string `yaml:"template_chsi_failed"`
	// TemplatePaymentAnomaly: support's alert ({1} order number, {2} what happens to the money).
	TemplatePaymentAnomaly string `yaml:"template_payment_anomaly"`
}

type Console struct {
	// SecureCookies sets Secure on the console session cookie; off only for local http.
	SecureCookies bool `yaml:"secure_cookies"`
}

type Memory struct {
	// ImageBudgetMB bounds the memory that image decodes (photos, 采集码) may hold at
	// once, by each decode's estimated peak; an upload that does not fit waits briefly,
	// then gets 503 busy.
	ImageBudgetMB int `yaml:"image_budget_mb"`
	// LimitMB sets the Go runtime's soft memory limit (GOMEMLIMIT); 0 leaves it alone
	// (and a GOMEMLIMIT in the environment always wins).
	LimitMB int `yaml:"limit_mb"`
}

// Default returns the built-in development configuration: SQLite under ./data,
// the WeChat sandbox, local blobs, SMS to the log.
func Default() Config {
	return Config{
		HTTP: HTTP{Addr: ":8080", MaxUploadBytes: 10 << 20, ShutdownTimeout: 10 * time.Second,
			LoginsPerMinute: 60, UploadsPerMinute: 20, RequestTimeout: 10 * time.Second},
		DataDir: "./data",
		DB: DB{Driver: "sqlite", ConnectTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
			WriteTimeout: 30 * time.Second},
		Log: Log{Level: "info", Format: "json"},
		Auth: Auth{StudentTokenTTL: 7 * 24 * time.Hour, StaffTokenTTL: 12 * time.Hour,
			MaxVerifyFailures: 10, StaffMaxFailures: 5, StaffLockout: 15 * time.Minute, StaffFailuresPerMinute: 10},
		WeChat: WeChat{Mode: "sandbox", AppID: "wxsandbox00000000", AppSecret: "sandbox-secret", SandboxTradeManaged: true},
		Pay: Pay{MchID: "1900000001", OrderExpiry: 2 * time.Hour,
			ReconcileAfter: 10 * time.Minute, ReconcileInterval: time.Minute, QueryOnReadInterval: 3 * time.Second,
			ShippingInterval: 30 * time.Second},
		Storage: Storage{Driver: "local", RejectedRetention: 7 * 24 * time.Hour, RejectedKeep: 3,
			ReplacedRetention: 7 * 24 * time.Hour, DailyUploadBytes: 100 << 20},
		Support: Support{Phone: "010-58691620", Hours: "周二至周日 9:30-17:00"},
		Photo:   Photo{DefaultProfile: "chsi"},
		Capture: Capture{MinLength: 16, MaxLength: 1024},
		Review:  Review{Lease: 10 * time.Minute, SLA: 48 * time.Hour},
		Notify:  Notify{Provider: "log", MaxAttempts: 5, PollInterval: 2 * time.Second},
		Memory:  Memory{ImageBudgetMB: 512, LimitMB: 600},
	}
}

// DefaultPath is read when --config is not given and the file exists.
const DefaultPath = "configs/config.yaml"

// Load builds the configuration: defaults, then the YAML file (path, or DefaultPath
// when present), then the environment. It validates the result.
func Load(path string) (*Config, error) {
	cfg := Default()
	// No address in the file or the environment: the mode decides (defaultAddr).
	cfg.HTTP.Addr = ""
	explicit := path != ""
	if !explicit {
		path = DefaultPath
	}
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		dec := yaml.NewDecoder(strings.NewReader(string(data)))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) { // io.EOF: empty file
			return nil, fmt.Errorf("config %s: %s", path, nameKeys(data, err))
		}
	case explicit || !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("config: %w", err)
	}
	if err := applyEnv(&cfg, os.LookupEnv); err != nil {
		return nil, err
	}
	if cfg.HTTP.Addr == "" {
		cfg.HTTP.Addr = defaultAddr(cfg.WeChat.Mode)
	}
	if _, ok := os.LookupEnv("GOMEMLIMIT"); ok {
		cfg.Memory.LimitMB = 0 // the Go runtime already applied the operator's limit
	}
	cfg.fillDerived()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// envBinding maps one GRADPHOTO_* variable to a field.
type envBinding struct {
	name string
	set  func(c *Config, v string) error
}

func str(p func(c *Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *p(c) = v; return nil }
}

func dur(key string, p func(c *Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("config: %s: %q is not a duration (e.g. 10m)", key, v)
		}
		*p(c) = d
		return nil
	}
}

func integer(key string, p func(c *Config) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("config: %s: %q is not an integer", key, v)
		}
		*p(c) = n
		return nil
	}
}

func boolean(key string, p func(c *Config) *bool) func(*Config, string) error {
	return func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("config: %s: %q is not true/false", key, v)
		}
		*p(c) = b
		return nil
	}
}

var envBindings = []envBinding{
	{"GRADPHOTO_HTTP_ADDR", str(func(c *Config) *string { return &c.HTTP.Addr })},
	{"GRADPHOTO_HTTP_REQUEST_TIMEOUT", dur("GRADPHOTO_HTTP_REQUEST_TIMEOUT", func(c *Config) *time.Duration { return &c.HTTP.RequestTimeout })},
	{"GRADPHOTO_METRICS_ADDR", str(func(c *Config) *string { return &c.HTTP.MetricsAddr })},
	{"GRADPHOTO_METRICS_TOKEN", str(func(c *Config) *string { return &c.HTTP.MetricsToken })},
	{"GRADPHOTO_IMAGE_BUDGET_MB", integer("GRADPHOTO_IMAGE_BUDGET_MB", func(c *Config) *int { return &c.Memory.ImageBudgetMB })},
	{"GRADPHOTO_MEMORY_LIMIT_MB", integer("GRADPHOTO_MEMORY_LIMIT_MB", func(c *Config) *int { return &c.Memory.LimitMB })},
	{"GRADPHOTO_PUBLIC_URL", str(func(c *Config) *string { return &c.HTTP.PublicURL })},
	{"GRADPHOTO_DATA_DIR", str(func(c *Config) *string { return &c.DataDir })},
	{"GRADPHOTO_DB_DRIVER", str(func(c *Config) *string { return &c.DB.Driver })},
	{"GRADPHOTO_DB_DSN", str(func(c *Config) *string { return &c.DB.DSN })},
	{"GRADPHOTO_LOG_LEVEL", str(func(c *Config) *string { return &c.Log.Level })},
	{"GRADPHOTO_LOG_FORMAT", str(func(c *Config) *string { return &c.Log.Format })},
	{"GRADPHOTO_TOKEN_SECRET", str(func(c *Config) *string { return &c.Auth.TokenSecret })},
	{"GRADPHOTO_WECHAT_MODE", str(func(c *Config) *string { return &c.WeChat.Mode })},
	{"GRADPHOTO_WECHAT_APP_ID", str(func(c *Config) *string { return &c.WeChat.AppID })},
	{"GRADPHOTO_WECHAT_APP_SECRET", str(func(c *Config) *string { return &c.WeChat.AppSecret })},
	{"GRADPHOTO_WECHAT_SANDBOX_URL", str(func(c *Config) *string { return &c.WeChat.SandboxURL })},
	{"GRADPHOTO_PAY_MCH_ID", str(func(c *Config) *string { return &c.Pay.MchID })},
	{"GRADPHOTO_PAY_MCH_CERT_SERIAL", str(func(c *Config) *string { return &c.Pay.MchCertSerial })},
	{"GRADPHOTO_PAY_MCH_KEY_FILE", str(func(c *Config) *string { return &c.Pay.MchKeyFile })},
	{"GRADPHOTO_PAY_API_V3_KEY", str(func(c *Config) *string { return &c.Pay.APIv3Key })},
	{"GRADPHOTO_PAY_PUBLIC_KEY_ID", str(func(c *Config) *string { return &c.Pay.PublicKeyID })},
	{"GRADPHOTO_PAY_PUBLIC_KEY_FILE", str(func(c *Config) *string { return &c.Pay.PublicKeyFile })},
	{"GRADPHOTO_PAY_NOTIFY_URL", str(func(c *Config) *string { return &c.Pay.NotifyURL })},
	{"GRADPHOTO_PAY_REFUND_NOTIFY_URL", str(func(c *Config) *string { return &c.Pay.RefundNotifyURL })},
	{"GRADPHOTO_STORAGE_DRIVER", str(func(c *Config) *string { return &c.Storage.Driver })},
	{"GRADPHOTO_S3_ENDPOINT", str(func(c *Config) *string { return &c.Storage.Endpoint })},
	{"GRADPHOTO_S3_BUCKET", str(func(c *Config) *string { return &c.Storage.Bucket })},
	{"GRADPHOTO_S3_REGION", str(func(c *Config) *string { return &c.Storage.Region })},
	{"GRADPHOTO_S3_ACCESS_KEY", str(func(c *Config) *string { return &c.Storage.AccessKey })},
	{"GRADPHOTO_S3_SECRET_KEY", str(func(c *Config) *string { return &c.Storage.SecretKey })},
	{"GRADPHOTO_S3_USE_SSL", boolean("GRADPHOTO_S3_USE_SSL", func(c *Config) *bool { return &c.Storage.UseSSL })},
	{"GRADPHOTO_SUPPORT_PHONE", str(func(c *Config) *string { return &c.Support.Phone })},
	{"GRADPHOTO_SUPPORT_HOURS", str(func(c *Config) *string { return &c.Support.Hours })},
	{"GRADPHOTO_SUPPORT_ALERT_PHONE", str(func(c *Config) *string { return &c.Support.AlertPhone })},
	{"GRADPHOTO_CAPTURE_CODE_KEY", str(func(c *Config) *string { return &c.Capture.EncryptionKey })},
	{"GRADPHOTO_REVIEW_LEASE", dur("GRADPHOTO_REVIEW_LEASE", func(c *Config) *time.Duration { return &c.Review.Lease })},
	{"GRADPHOTO_REVIEW_SLA", dur("GRADPHOTO_REVIEW_SLA", func(c *Config) *time.Duration { return &c.Review.SLA })},
	{"GRADPHOTO_SMS_PROVIDER", str(func(c *Config) *string { return &c.Notify.Provider })},
	{"GRADPHOTO_SMS_MAX_ATTEMPTS", integer("GRADPHOTO_SMS_MAX_ATTEMPTS", func(c *Config) *int { return &c.Notify.MaxAttempts })},
	{"GRADPHOTO_TENCENT_SECRET_ID", str(func(c *Config) *string { return &c.Notify.Tencent.SecretID })},
	{"GRADPHOTO_TENCENT_SECRET_KEY", str(func(c *Config) *string { return &c.Notify.Tencent.SecretKey })},
	{"GRADPHOTO_CONSOLE_SECURE_COOKIES", boolean("GRADPHOTO_CONSOLE_SECURE_COOKIES", func(c *Config) *bool { return &c.Console.SecureCookies })},
}

// StaffPasswordEnv names the variable `gradphoto create-staff` takes the password
// from when it is not given on standard input (provisioning scripts).
const StaffPasswordEnv = "GRADPHOTO_STAFF_PASSWORD"

// StaffPassword reads StaffPasswordEnv on demand; it is never part of Config, so that
// it cannot end up in a dump of the configuration.
func StaffPassword() (string, bool) { return os.LookupEnv(StaffPasswordEnv) }

// EnvTestMySQLDSN names the MySQL server the test suites use, e.g.
// root@tcp(127.0.0.1:3306)/gradphoto_test (CI sets it).
const EnvTestMySQLDSN = "GRADPHOTO_TEST_MYSQL_DSN"

// TestMySQLDSN returns the test suites' MySQL server, or "" when none is configured.
func TestMySQLDSN() string { return os.Getenv(EnvTestMySQLDSN) }

// EnvNames lists every environment variable Load reads (for README and --help).
func EnvNames() []string {
	out := make([]string, len(envBindings))
	for i, b := range envBindings {
		out[i] = b.name
	}
	return out
}

// Variables lists every GRADPHOTO_* environment variable the program and its tests
// read: Load's overrides (EnvNames), create-staff's password and the test suites'
// MySQL server. README's configuration table is checked against it.
func Variables() []string {
	return append(EnvNames(), StaffPasswordEnv, EnvTestMySQLDSN)
}

func applyEnv(c *Config, lookup func(string) (string, bool)) error {
	for _, b := range envBindings {
		if v, ok := lookup(b.name); ok {
			if err := b.set(c, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// defaultAddr is the listen address when none is configured. The sandbox pays any
// order on request and lists SMS with full phone numbers, so a sandbox server nobody
// configured is reachable from this machine only.
func defaultAddr(mode string) string {
	if mode == "sandbox" {
		return "127.0.0.1:8080"
	}
	return ":8080"
}

// fillDerived fills values that default from others.
func (c *Config) fillDerived() {
	if c.DB.Driver == "sqlite" && c.DB.DSN == "" {
		c.DB.DSN = filepath.Join(c.DataDir, "gradphoto.db")
	}
	if c.Storage.Driver == "local" && c.Storage.LocalDir == "" {
		c.Storage.LocalDir = filepath.Join(c.DataDir, "blobs")
	}
	if c.HTTP.PublicURL == "" {
		c.HTTP.PublicURL = "http://127.0.0.1" + portOf(c.HTTP.Addr)
	}
	if c.WeChat.SandboxURL == "" {
		c.WeChat.SandboxURL = strings.TrimRight(c.HTTP.PublicURL, "/") + "/sandbox"
	}
	if c.Pay.NotifyURL == "" {
		c.Pay.NotifyURL = strings.TrimRight(c.HTTP.PublicURL, "/") + "/pay/wechat/notify"
	}
	if c.Pay.RefundNotifyURL == "" {
		c.Pay.RefundNotifyURL = strings.TrimRight(c.HTTP.PublicURL, "/") + "/pay/wechat/refund-notify"
	}
}

// Local is the sandbox configuration of one server on a loopback address with its data
// under dir: the WeChat sandbox and the payment callbacks all point back at that server.
// The end-to-end tests and the walk-through test start their servers from it.
func Local(dir, addr string) Config {
	c := Default()
	c.DataDir = dir
	c.HTTP.Addr = addr
	c.HTTP.PublicURL = "http://" + addr
	c.fillDerived()
	return c
}

// SetPublicURL changes the public URL and everything derived from it (tests listen on :0
// and learn the port only after binding).
func (c *Config) SetPublicURL(u string) {
	old := strings.TrimRight(c.HTTP.PublicURL, "/")
	if c.WeChat.SandboxURL == old+"/sandbox" {
		c.WeChat.SandboxURL = u + "/sandbox"
	}
	if c.Pay.NotifyURL == old+"/pay/wechat/notify" {
		c.Pay.NotifyURL = u + "/pay/wechat/notify"
	}
	if c.Pay.RefundNotifyURL == old+"/pay/wechat/refund-notify" {
		c.Pay.RefundNotifyURL = u + "/pay/wechat/refund-notify"
	}
	c.HTTP.PublicURL = u
}

func portOf(addr string) string {
	if i := strings.LastIndex(addr, ":"); i >= 0 {
		return addr[i:]
	}
	return ":8080"
}

// Sandbox reports whether the WeChat sandbox is in use.
func (c *Config) Sandbox() bool { return c.WeChat.Mode == "sandbox" }

// Validate checks every value; the error names the offending key.
// mobilePattern is a mainland mobile number (the SMS channel's recipients).
var mobilePattern = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, a ...any) {
		errs = append(errs, fmt.Errorf("config: %s: %s", key, fmt.Sprintf(format, a...)))
	}
	if c.HTTP.Addr == "" {
		bad("http.addr (GRADPHOTO_HTTP_ADDR)", "must not be empty")
	}
	if _, err := url.ParseRequestURI(c.HTTP.PublicURL); err != nil {
		bad("http.public_url (GRADPHOTO_PUBLIC_URL)", "%q is not an absolute URL", c.HTTP.PublicURL)
	}
	for _, p := range c.HTTP.TrustedProxies {
		if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
			bad("http.trusted_proxies", "%q is not an IP address or CIDR range", p)
		}
	}
	if c.HTTP.LoginsPerMinute < 0 || c.HTTP.UploadsPerMinute < 0 {
		bad("http.logins_per_minute/uploads_per_minute", "must be ≥ 0 (0 turns the limit off)")
	}
	if c.HTTP.RequestTimeout <= 0 {
		bad("http.request_timeout (GRADPHOTO_HTTP_REQUEST_TIMEOUT)", "must be positive, e.g. 10s")
	}
	if c.HTTP.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.HTTP.MetricsAddr); err != nil {
			bad("http.metrics_addr (GRADPHOTO_METRICS_ADDR)", "%q is not host:port", c.HTTP.MetricsAddr)
		}
	}
	if c.DB.ConnectTimeout <= 0 || c.DB.ReadTimeout <= 0 || c.DB.WriteTimeout <= 0 {
		bad("db.connect_timeout/read_timeout/write_timeout", "must be positive")
	}
	if c.Memory.ImageBudgetMB < 64 {
		bad("memory.image_budget_mb (GRADPHOTO_IMAGE_BUDGET_MB)", "must be at least 64 (a 12 MP photo needs ~40 MB to check)")
	}
	if c.Memory.LimitMB < 0 || (c.Memory.LimitMB > 0 && c.Memory.LimitMB < c.Memory.ImageBudgetMB) {
		bad("memory.limit_mb (GRADPHOTO_MEMORY_LIMIT_MB)", "must be 0 (off) or at least memory.image_budget_mb")
	}
	if c.Auth.StaffMaxFailures <= 0 || c.Auth.StaffLockout <= 0 || c.Auth.StaffFailuresPerMinute <= 0 {
		bad("auth.staff_max_login_failures/staff_lockout/staff_login_failures_per_minute", "must be positive")
	}
	if c.Storage.RejectedKeep < 0 || c.Storage.ReplacedRetention <= 0 || c.Storage.DailyUploadBytes <= 0 {
		bad("storage.rejected_keep/replaced_retention/daily_upload_bytes", "rejected_keep ≥ 0, the others positive")
	}
	if c.HTTP.MaxUploadBytes <= 0 {
		bad("http.max_upload_bytes", "must be positive")
	}
	if c.DataDir == "" {
		bad("data_dir (GRADPHOTO_DATA_DIR)", "must not be empty")
	}
	if c.Support.AlertPhone != "" && !mobilePattern.MatchString(c.Support.AlertPhone) {
		bad("support.alert_phone (GRADPHOTO_SUPPORT_ALERT_PHONE)", "%q is not an 11-digit mobile number", c.Support.AlertPhone)
	}
	switch c.DB.Driver {
	case "sqlite", "mysql":
	default:
		bad("db.driver (GRADPHOTO_DB_DRIVER)", "%q is not sqlite or mysql", c.DB.Driver)
	}
	if c.DB.Driver == "mysql" && c.DB.DSN == "" {
		bad("db.dsn (GRADPHOTO_DB_DSN)", "required for mysql, e.g. user:pass@tcp(127.0.0.1:3306)/gradphoto?parseTime=true")
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level (GRADPHOTO_LOG_LEVEL)", "%q is not debug, info, warn or error", c.Log.Level)
	}
	switch c.Log.Format {
	case "json", "text":
	default:
		bad("log.format (GRADPHOTO_LOG_FORMAT)", "%q is not json or text", c.Log.Format)
	}
	if c.Pay.QueryOnReadInterval <= 0 || c.Pay.ShippingInterval <= 0 {
		bad("pay.query_on_read_interval/shipping_interval", "must be positive")
	}
	switch c.WeChat.SubscribeState {
	case "", "formal", "trial", "developer":
	default:
		bad("wechat.subscribe_state", "%q is not formal, trial or developer", c.WeChat.SubscribeState)
	}
	switch c.WeChat.Mode {
	case "sandbox":
	case "production":
		if c.WeChat.AppID == "" || c.WeChat.AppSecret == "" {
			bad("wechat.app_id/app_secret", "required in production mode")
		}
		if c.Auth.TokenSecret == "" {
			bad("auth.token_secret (GRADPHOTO_TOKEN_SECRET)", "required in production mode")
		}
		if len(c.Pay.APIv3Key) != 32 {
			bad("pay.api_v3_key (GRADPHOTO_PAY_API_V3_KEY)", "must be 32 bytes in production mode")
		}
		if c.Pay.MchKeyFile == "" || c.Pay.MchCertSerial == "" {
			bad("pay.mch_key_file/mch_cert_serial", "required in production mode")
		}
		if !c.Console.SecureCookies {
			bad("console.secure_cookies (GRADPHOTO_CONSOLE_SECURE_COOKIES)", "must be true in production mode (the console is served over HTTPS)")
		}
	default:
		bad("wechat.mode (GRADPHOTO_WECHAT_MODE)", "%q is not sandbox or production", c.WeChat.Mode)
	}
	if c.Auth.StudentTokenTTL <= 0 || c.Auth.StaffTokenTTL <= 0 {
		bad("auth.student_token_ttl/staff_token_ttl", "must be positive")
	}
	if c.Auth.MaxVerifyFailures <= 0 {
		bad("auth.max_verify_failures_per_hour", "must be positive")
	}
	switch c.Storage.Driver {
	case "local":
	case "s3":
		if c.Storage.Endpoint == "" || c.Storage.Bucket == "" {
			bad("storage.endpoint/bucket (GRADPHOTO_S3_ENDPOINT/GRADPHOTO_S3_BUCKET)", "required for s3")
		}
	default:
		bad("storage.driver (GRADPHOTO_STORAGE_DRIVER)", "%q is not local or s3", c.Storage.Driver)
	}
	if c.Capture.MinLength <= 0 || c.Capture.MaxLength < c.Capture.MinLength {
		bad("capture_code.min_length/max_length", "need 0 < min_length ≤ max_length")
	}
	if c.Capture.Pattern != "" {
		if _, err := regexp.Compile(c.Capture.Pattern); err != nil {
			bad("capture_code.pattern", "%v", err)
		}
	}
	if c.Review.Lease <= 0 || c.Review.SLA <= 0 {
		bad("review.lease/sla (GRADPHOTO_REVIEW_LEASE/GRADPHOTO_REVIEW_SLA)", "must be positive")
	}
	switch c.Notify.Provider {
	case "log":
	case "tencent":
		t := c.Notify.Tencent
		if t.SecretID == "" || t.SecretKey == "" || t.SdkAppID == "" || t.SignName == "" {
			bad("notify.tencent", "secret_id, secret_key, sdk_app_id and sign_name are required for the tencent provider")
		}
	default:
		bad("notify.provider (GRADPHOTO_SMS_PROVIDER)", "%q is not log or tencent", c.Notify.Provider)
	}
	if c.Notify.MaxAttempts <= 0 {
		bad("notify.max_attempts", "must be positive")
	}
	return errors.Join(errs...)
}

var yamlLine = regexp.MustCompile(`line (\d+): `)

// nameKeys rewrites yaml's "line N: cannot unmarshal ..." so that it names the key
// (e.g. http.max_upload_bytes) and not only the line.
func nameKeys(data []byte, err error) string {
	var root yaml.Node
	if yaml.Unmarshal(data, &root) != nil {
		return err.Error()
	}
	return yamlLine.ReplaceAllStringFunc(err.Error(), func(m string) string {
		n, _ := strconv.Atoi(yamlLine.FindStringSubmatch(m)[1])
		if key := keyAtLine(&root, n, ""); key != "" {
			return m + key + ": "
		}
		return m
	})
}

func keyAtLine(n *yaml.Node, line int, prefix string) string {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if k := keyAtLine(c, line, prefix); k != "" {
				return k
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			path := k.Value
			if prefix != "" {
				path = prefix + "." + k.Value
			}
			if v.Kind == yaml.ScalarNode && v.Line == line {
				return path
			}
			if sub := keyAtLine(v, line, path); sub != "" {
				return sub
			}
		}
	}
	return ""
}
