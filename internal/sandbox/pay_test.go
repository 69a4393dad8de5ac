package sandbox

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/credentials"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/signers"
	"github.com/wechatpay-apiv3/wechatpay-go/core/downloader"
	"github.com/wechatpay-apiv3/wechatpay-go/core/option"
	"github.com/wechatpay-apiv3/wechatpay-go/utils"
)

func TestEnsurePayKeysGeneratesOnceThenLoads(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pay")
	first, err := EnsurePayKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	again, err := EnsurePayKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	if again.MchSerial != first.MchSerial || again.PlatformSerial != first.PlatformSerial ||
		again.APIv3Key != first.APIv3Key || again.PublicKeyID != first.PublicKeyID ||
		!again.MchPrivateKey.Equal(first.MchPrivateKey) || !again.PlatformPrivateKey.Equal(first.PlatformPrivateKey) {
		t.Fatal("second start produced different keys")
	}
	checks := []struct {
		name string
		ok   bool
	}{
		{"APIv3 key is 32 characters", len(first.APIv3Key) == 32},
		{"platform serial is 40 hex digits", regexp.MustCompile(`^[0-9A-F]{40}$`).MatchString(first.PlatformSerial)},
		{"merchant serial is 40 hex digits", regexp.MustCompile(`^[0-9A-F]{40}$`).MatchString(first.MchSerial)},
		{"public key id", strings.HasPrefix(first.PublicKeyID, "PUB_KEY_ID_")},
		{"certificate holds the platform key", first.PlatformCert.PublicKey.(*rsa.PublicKey).Equal(&first.PlatformPrivateKey.PublicKey)},
		{"merchant and platform keys differ", !first.MchPrivateKey.Equal(first.PlatformPrivateKey)},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if !c.ok {
				t.Fail()
			}
		})
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		info, _ := e.Info()
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", e.Name(), info.Mode().Perm())
		}
	}
}

type payFixture struct {
	keys *PayKeys
	srv  *httptest.Server
	pay  *PayServer
}

func newPayFixture(t *testing.T, publicKeyMode bool) *payFixture {
	t.Helper()
	keys, err := EnsurePayKeys(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	p := NewPayServer(PayOptions{Keys: keys, AppID: "wxapp", MchID: "1900000001", PublicKeyMode: publicKeyMode})
	p.Mount(r.Group("/sandbox"))
	srv := httptest.NewServer(r)
	t.Cleanup(func() { p.Wait(); srv.Close() })
	return &payFixture{keys: keys, srv: srv, pay: p}
}

// call sends a request to WeChat's URL path through the rewriting transport, with an
// Authorization header made by the SDK's own credential code from signer.
func (f *payFixture) call(t *testing.T, method, path string, body string, signer *signers.SHA256WithRSASigner, ts time.Time) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, "https://api.mch.weixin.qq.com"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if signer != nil {
		authz, err := (&credentials.WechatPayCredentials{Signer: signer}).GenerateAuthorizationHeader(context.Background(), method, path, body)
		if err != nil {
			t.Fatal(err)
		}
		if !ts.IsZero() {
			// A correct signature made at ts: only freshness is wrong.
			stamp, nonce := strconv.FormatInt(ts.Unix(), 10), "NONCE0123456789"
			sum := sha256.Sum256([]byte(method + "\n" + path + "\n" + stamp + "\n" + nonce + "\n" + body + "\n"))
			sig, err := rsa.SignPKCS1v15(nil, signer.PrivateKey, crypto.SHA256, sum[:])
			if err != nil {
				t.Fatal(err)
			}
			authz = `WECHATPAY2-SHA256-RSA2048 mchid="` + signer.MchID + `",nonce_str="` + nonce + `",timestamp="` + stamp +
				`",serial_no="` + signer.CertificateSerialNo + `",signature="` + base64.StdEncoding.EncodeToString(sig) + `"`
		}
		req.Header.Set("Authorization", authz)
	}
	resp, err := NewHTTPClient(f.srv.URL + "/sandbox").Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestPayRequiresTheMerchantSignature(t *testing.T) {
	f := newPayFixture(t, false)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	merchant := &signers.SHA256WithRSASigner{MchID: "1900000001", CertificateSerialNo: f.keys.MchSerial, PrivateKey: f.keys.MchPrivateKey}
	prepay := `{"appid":"wxapp","mchid":"1900000001","description":"学历照片采集","out_trade_no":"P2611270000000001","notify_url":"https://example.com/n","amount":{"total":2500,"currency":"CNY"},"payer":{"openid":"o1"}}`
	tests := []struct {
		name   string
		signer *signers.SHA256WithRSASigner
		ts     time.Time
		body   string
		status int
		code   string
	}{
		{name: "unsigned", body: prepay, status: 401, code: "SIGN_ERROR"},
		{name: "another key", signer: &signers.SHA256WithRSASigner{MchID: "1900000001", CertificateSerialNo: f.keys.MchSerial, PrivateKey: other}, body: prepay, status: 401, code: "SIGN_ERROR"},
		{name: "another serial", signer: &signers.SHA256WithRSASigner{MchID: "1900000001", CertificateSerialNo: "ABC", PrivateKey: f.keys.MchPrivateKey}, body: prepay, status: 401, code: "SIGN_ERROR"},
		{name: "another merchant", signer: &signers.SHA256WithRSASigner{MchID: "1900000002", CertificateSerialNo: f.keys.MchSerial, PrivateKey: f.keys.MchPrivateKey}, body: prepay, status: 401, code: "SIGN_ERROR"},
		{name: "stale timestamp", signer: merchant, ts: time.Now().Add(-6 * time.Minute), body: prepay, status: 401, code: "SIGN_ERROR"},
		{name: "wrong appid", signer: merchant, body: strings.Replace(prepay, "wxapp", "wxother", 1), status: 400, code: "APPID_MCHID_NOT_MATCH"},
		{name: "signed 4 minutes ago", signer: merchant, ts: time.Now().Add(-4 * time.Minute), body: strings.Replace(prepay, "0000000001", "0000000002", 1), status: 200},
		{name: "signed prepay", signer: merchant, body: prepay, status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := f.call(t, "POST", "/v3/pay/transactions/jsapi", tt.body, tt.signer, tt.ts)
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if tt.code != "" {
				var e struct{ Code string }
				_ = json.Unmarshal(body, &e)
				if e.Code != tt.code {
					t.Fatalf("code %q, want %q", e.Code, tt.code)
				}
				return
			}
			// A success is signed with the platform key over "ts\nnonce\nbody\n".
			h := resp.Header
			sig, _ := base64.StdEncoding.DecodeString(h.Get("Wechatpay-Signature"))
			sum := sha256.Sum256([]byte(h.Get("Wechatpay-Timestamp") + "\n" + h.Get("Wechatpay-Nonce") + "\n" + string(body) + "\n"))
			if h.Get("Wechatpay-Serial") != f.keys.PlatformSerial || rsa.VerifyPKCS1v15(&f.keys.PlatformPrivateKey.PublicKey, crypto.SHA256, sum[:], sig) != nil {
				t.Fatalf("answer not signed by the platform key: %v", h)
			}
			if !bytes.Contains(body, []byte(`"prepay_id":"wx`)) {
				t.Fatalf("body %s", body)
			}
		})
	}
}

// The SDK's own certificate downloader decrypts and verifies /v3/certificates.
func TestPayCertificatesWithTheSDKDownloader(t *testing.T) {
	for _, publicKeyMode := range []bool{false, true} {
		t.Run("public key mode "+strconv.FormatBool(publicKeyMode), func(t *testing.T) {
			f := newPayFixture(t, publicKeyMode)
			client, err := core.NewClient(context.Background(),
				option.WithMerchantCredential("1900000001", f.keys.MchSerial, f.keys.MchPrivateKey),
				option.WithoutValidator(), option.WithHTTPClient(NewHTTPClient(f.srv.URL+"/sandbox")))
			if err != nil {
				t.Fatal(err)
			}
			d, err := downloader.NewCertificateDownloaderWithClient(context.Background(), client, f.keys.APIv3Key)
			if err != nil {
				t.Fatal(err)
			}
			cert, ok := d.Get(context.Background(), f.keys.PlatformSerial)
			if !ok || !cert.Equal(f.keys.PlatformCert) {
				t.Fatalf("downloaded %v", d.ExportAll(context.Background()))
			}
			// A second download is verified with the certificate just obtained.
			if err := d.DownloadCertificates(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestPayNotificationIsDecryptableAndSigned(t *testing.T) {
	for _, publicKeyMode := range []bool{false, true} {
		t.Run("public key mode "+strconv.FormatBool(publicKeyMode), func(t *testing.T) {
			f := newPayFixture(t, publicKeyMode)
			req, err := f.pay.NewNotification(context.Background(), "http://merchant.example/notify", "", "TRANSACTION.SUCCESS", "支付成功", "transaction", map[string]any{"out_trade_no": "P1"})
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(req.Body)
			wantSerial := f.keys.PlatformSerial
			if publicKeyMode {
				wantSerial = f.keys.PublicKeyID
			}
			if got := req.Header.Get("Wechatpay-Serial"); got != wantSerial {
				t.Fatalf("serial %s, want %s", got, wantSerial)
			}
			var env struct {
				ID       string `json:"id"`
				Resource struct {
					Algorithm      string `json:"algorithm"`
					Ciphertext     string `json:"ciphertext"`
					Nonce          string `json:"nonce"`
					AssociatedData string `json:"associated_data"`
				} `json:"resource"`
			}
			if err := json.Unmarshal(body, &env); err != nil {
				t.Fatal(err)
			}
			// The SDK's own AES-GCM helper opens the resource.
			plain, err := utils.DecryptAES256GCM(f.keys.APIv3Key, env.Resource.AssociatedData, env.Resource.Nonce, env.Resource.Ciphertext)
			if err != nil || plain != `{"out_trade_no":"P1"}` || env.Resource.Algorithm != "AEAD_AES_256_GCM" || env.ID == "" {
				t.Fatalf("resource %+v: %q %v", env, plain, err)
			}
		})
	}
}
