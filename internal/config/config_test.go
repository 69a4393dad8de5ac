package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaultsAreValid(t *testing.T) {
	c := Default()
	c.fillDerived()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.DB.DSN != filepath.Join("data", "gradphoto.db") || c.HTTP.PublicURL != "http://127.0.0.1:8080" || c.WeChat.SandboxURL != "http://127.0.0.1:8080/sandbox" {
		t.Fatalf("derived values: %+v %+v %+v", c.DB, c.HTTP, c.WeChat)
	}
}

func TestExampleFileLoads(t *testing.T) {
	c, err := Load("../../configs/config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Support.Phone != "010-58691620" || c.Review.SLA.Hours() != 48 {
		t.Fatalf("%+v", c)
	}
}

func TestBadConfigNamesTheKey(t *testing.T) {
	cases := []struct {
		name, yaml string
		env        map[string]string
		wantKey    string
	}{
		{"driver", "db: {driver: oracle}", nil, "db.driver"},
		{"mysql without dsn", "db: {driver: mysql}", nil, "db.dsn"},
		{"env driver", "", map[string]string{"GRADPHOTO_DB_DRIVER": "mongo"}, "GRADPHOTO_DB_DRIVER"},
		{"duration", "", map[string]string{"GRADPHOTO_REVIEW_SLA": "two days"}, "GRADPHOTO_REVIEW_SLA"},
		{"unknown key", "htp: {addr: ':1'}", nil, "htp"},
		{"wrong type", "http: {max_upload_bytes: lots}", nil, "max_upload_bytes"},
		{"production without secrets", "wechat: {mode: production}", nil, "auth.token_secret"},
		{"production without secure cookies", "wechat: {mode: production}", nil, "console.secure_cookies"},
		{"mode", "wechat: {mode: staging}", nil, "wechat.mode"},
		{"proxy", "http: {trusted_proxies: [not-an-ip]}", nil, "http.trusted_proxies"},
		{"regex", "capture_code: {pattern: '('}", nil, "capture_code.pattern"},
		{"sms provider", "notify: {provider: carrier-pigeon}", nil, "notify.provider"},
		{"s3 without bucket", "storage: {driver: s3}", nil, "storage.endpoint"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			_, err := Load(writeConfig(t, tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.wantKey) {
				t.Fatalf("error %v should name %s", err, tc.wantKey)
			}
		})
	}
}

func TestEnvOverridesFile(t *testing.T) {
	p := writeConfig(t, "http: {addr: ':9000'}\ndata_dir: /from/file\n")
	t.Setenv("GRADPHOTO_HTTP_ADDR", "127.0.0.1:7000")
	t.Setenv("GRADPHOTO_DB_DRIVER", "mysql")
	t.Setenv("GRADPHOTO_DB_DSN", "u:p@tcp(h:3306)/d")
	c, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.Addr != "127.0.0.1:7000" || c.DataDir != "/from/file" || c.DB.Driver != "mysql" || c.DB.DSN != "u:p@tcp(h:3306)/d" {
		t.Fatalf("%+v", c)
	}
	if c.HTTP.PublicURL != "http://127.0.0.1:7000" {
		t.Fatalf("public url %s", c.HTTP.PublicURL)
	}
}

func TestMissingExplicitFileFails(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "nope.yaml")); err == nil {
		t.Fatal("an explicit missing config file must fail")
	}
}

// A server nobody gave an address listens on loopback in sandbox mode (the sandbox pays
// any order); an address from the environment or the file is kept as it is.
func TestSandboxListensOnLoopbackByDefault(t *testing.T) {
	t.Setenv("GRADPHOTO_DATA_DIR", t.TempDir())
	c, err := Load(writeConfig(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.Addr != "127.0.0.1:8080" {
		t.Fatalf("sandbox mode without an address listens on %q", c.HTTP.Addr)
	}
	c, err = Load(writeConfig(t, "http: {addr: ':9000'}"))
	if err != nil || c.HTTP.Addr != ":9000" {
		t.Fatalf("an address from the file: %q %v", c.HTTP.Addr, err)
	}
	t.Setenv("GRADPHOTO_HTTP_ADDR", "0.0.0.0:8081")
	c, err = Load(writeConfig(t, ""))
	if err != nil || c.HTTP.Addr != "0.0.0.0:8081" {
		t.Fatalf("an address from the environment: %q %v", c.HTTP.Addr, err)
	}
	if defaultAddr("production") != ":8080" {
		t.Fatal("production mode's default address")
	}
}

func TestLocalPointsEverythingAtTheOneServer(t *testing.T) {
	cfg := Local("/tmp/gp", "127.0.0.1:18020")
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"db dsn":        "/tmp/gp/gradphoto.db",
		"blobs":         "/tmp/gp/blobs",
		"sandbox":       "http://127.0.0.1:18020/sandbox",
		"pay notify":    "http://127.0.0.1:18020/pay/wechat/notify",
		"refund notify": "http://127.0.0.1:18020/pay/wechat/refund-notify",
	}
	got := map[string]string{
		"db dsn": cfg.DB.DSN, "blobs": cfg.Storage.LocalDir, "sandbox": cfg.WeChat.SandboxURL,
		"pay notify": cfg.Pay.NotifyURL, "refund notify": cfg.Pay.RefundNotifyURL,
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %q, want %q", k, got[k], w)
		}
	}
	if !cfg.Sandbox() {
		t.Error("Local is not in sandbox mode")
	}
}
