package app

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gradphoto/gradphoto/internal/config"
	"github.com/gradphoto/gradphoto/internal/dbtest"
)

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestProductionConfigStarts: with real-shaped credentials (merchant key, WeChat Pay
// public key, secrets) the app builds without touching the network, and nothing of
// the sandbox is reachable.
func TestProductionConfigStarts(t *testing.T) {
	dir := t.TempDir()
	mch, _ := rsa.GenerateKey(rand.Reader, 2048)
	mchDER, _ := x509.MarshalPKCS8PrivateKey(mch)
	writePEM(t, filepath.Join(dir, "apiclient_key.pem"), "PRIVATE KEY", mchDER)
	wx, _ := rsa.GenerateKey(rand.Reader, 2048)
	wxDER, _ := x509.MarshalPKIXPublicKey(&wx.PublicKey)
	writePEM(t, filepath.Join(dir, "pub_key.pem"), "PUBLIC KEY", wxDER)
	key := make([]byte, 32)
	rand.Read(key)

	cfg := config.Default()
	cfg.DataDir = dir
	cfg.DB.DSN = filepath.Join(dir, "gradphoto.db")
	cfg.Storage.LocalDir = filepath.Join(dir, "blobs")
	cfg.HTTP.PublicURL = "https://photo.example.edu.cn"
	cfg.WeChat = config.WeChat{Mode: "production", AppID: "wx1234567890abcdef", AppSecret: "0123456789abcdef0123456789abcdef"}
	cfg.Auth.TokenSecret = hex.EncodeToString(key)
	cfg.Capture.EncryptionKey = hex.EncodeToString(key)
	cfg.Console.SecureCookies = true
	cfg.Pay.MchID = "1900009191"
	cfg.Pay.MchCertSerial = "3775B6A45ACD588826D15E583A95F5DD"
	cfg.Pay.MchKeyFile = filepath.Join(dir, "apiclient_key.pem")
	cfg.Pay.APIv3Key = strings.Repeat("k", 32)
	cfg.Pay.PublicKeyID = "PUB_KEY_ID_0114232134912410000000000000"
	cfg.Pay.PublicKeyFile = filepath.Join(dir, "pub_key.pem")
	cfg.Pay.NotifyURL = cfg.HTTP.PublicURL + "/pay/wechat/notify"
	cfg.Pay.RefundNotifyURL = cfg.HTTP.PublicURL + "/pay/wechat/refund-notify"
	cfg.WeChat.SandboxURL = ""
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	a, err := New(context.Background(), &cfg, dbtest.Discard())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]int{"/healthz": 200, "/sandbox/": 404, "/sandbox/sms": 404, "/sandbox/demo/photo.jpg": 404} {
		rec := httptest.NewRecorder()
		a.Router.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != want {
			t.Errorf("GET %s: %d, want %d", path, rec.Code, want)
		}
	}
	// No secret was generated: production takes them from the configuration only.
	if _, err := os.Stat(filepath.Join(dir, "secrets")); !os.IsNotExist(err) {
		t.Errorf("production mode wrote dev secrets: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "sandbox")); !os.IsNotExist(err) {
		t.Errorf("production mode made sandbox keys: %v", err)
	}
}

// TestProductionConfigWithoutCredentialsFails names what is missing.
func TestProductionConfigWithoutCredentialsFails(t *testing.T) {
	cfg := config.Default()
	cfg.WeChat.Mode = "production"
	err := cfg.Validate()
	for _, key := range []string{"auth.token_secret", "pay.api_v3_key", "pay.mch_key_file", "console.secure_cookies"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("validation should name %s: %v", key, err)
		}
	}
}
