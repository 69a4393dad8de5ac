package sandbox

import (
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newMini(t *testing.T) (*MiniProgram, *gin.Engine, *fakeClock) {
	gin.SetMode(gin.TestMode)
	clock := &fakeClock{t: time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)}
	m := NewMiniProgram("wxapp", "secret")
	m.SetClock(clock.now)
	r := gin.New()
	m.Mount(r.Group("/sandbox"))
	return m, r, clock
}

func code2session(t *testing.T, r http.Handler, code string) map[string]any {
	t.Helper()
	_, out := do(t, r, http.MethodGet, "/sandbox/sns/jscode2session?appid=wxapp&secret=secret&grant_type=authorization_code&js_code="+url.QueryEscape(code), "")
	return out
}

// TestLoginCodes: a wx.login code is good once (40163 after) and for 5 minutes (40029 after).
func TestLoginCodes(t *testing.T) {
	_, r, clock := newMini(t)
	_, issued := do(t, r, http.MethodPost, "/sandbox/wx/login", `{"name":"zhangsan"}`)
	code := issued["code"].(string)
	if out := code2session(t, r, code); out["openid"] != "sandbox-zhangsan" {
		t.Fatalf("first use: %v", out)
	}
	if out := code2session(t, r, code); out["errcode"] != 40163.0 {
		t.Fatalf("reused code: %v, want 40163", out)
	}
	_, issued = do(t, r, http.MethodPost, "/sandbox/wx/login", `{"name":"lisi"}`)
	clock.add(CodeLife + time.Second)
	if out := code2session(t, r, issued["code"].(string)); out["errcode"] != 40029.0 {
		t.Fatalf("expired code: %v, want 40029", out)
	}
	// Hand-written codes (README's curl walk-through) are accepted once too.
	if out := code2session(t, r, "dev-wangwu"); out["openid"] != "sandbox-wangwu" {
		t.Fatalf("dev code: %v", out)
	}
	if out := code2session(t, r, "dev-wangwu"); out["errcode"] != 40163.0 {
		t.Fatalf("reused dev code: %v, want 40163", out)
	}
	if out := code2session(t, r, "dev-wangwu~2"); out["openid"] != "sandbox-wangwu" {
		t.Fatalf("dev code with a nonce: %v", out)
	}
	if out := code2session(t, r, "wx-real-looking-code"); out["errcode"] != 40029.0 {
		t.Fatalf("unknown code: %v, want 40029", out)
	}
}

func stableToken(t *testing.T, r http.Handler, force bool) string {
	t.Helper()
	body := `{"grant_type":"client_credential","appid":"wxapp","secret":"secret","force_refresh":false}`
	if force {
		body = `{"grant_type":"client_credential","appid":"wxapp","secret":"secret","force_refresh":true}`
	}
	_, out := do(t, r, http.MethodPost, "/sandbox/cgi-bin/stable_token", body)
	tok, _ := out["access_token"].(string)
	if tok == "" {
		t.Fatalf("stable_token: %v", out)
	}
	return tok
}

// TestPhoneCodesAndTokens: a phone code is good once and for 5 minutes; a plain token
// replaced by another instance's stops working after 5 minutes, a stable token is shared.
func TestPhoneCodesAndTokens(t *testing.T) {
	m, r, clock := newMini(t)
	_, out := do(t, r, http.MethodGet, "/sandbox/cgi-bin/token?grant_type=client_credential&appid=wxapp&secret=secret", "")
	first := out["access_token"].(string)
	_, out = do(t, r, http.MethodGet, "/sandbox/cgi-bin/token?grant_type=client_credential&appid=wxapp&secret=secret", "")
	second := out["access_token"].(string)
	if !m.ValidToken(first) || !m.ValidToken(second) {
		t.Fatal("tokens not valid right after issue")
	}
	clock.add(tokenOverlap + time.Second)
	if m.ValidToken(first) || !m.ValidToken(second) {
		t.Fatal("the replaced plain token still works after 5 minutes, or the new one does not")
	}
	a, b := stableToken(t, r, false), stableToken(t, r, false)
	if a != b || !m.ValidToken(a) {
		t.Fatalf("two instances got different stable tokens %s, %s", a, b)
	}
	if c := stableToken(t, r, true); c == a || m.ValidToken(a) {
		t.Fatal("force_refresh did not replace the stable token")
	}

	tok := stableToken(t, r, false)
	phone := func(code string) map[string]any {
		_, out := do(t, r, http.MethodPost, "/sandbox/wxa/business/getuserphonenumber?access_token="+tok, `{"code":"`+code+`"}`)
		return out
	}
	_, issued := do(t, r, http.MethodPost, "/sandbox/wx/phone-code", `{"phone":"13800000001"}`)
	code := issued["code"].(string)
	if out := phone(code); out["phone_info"].(map[string]any)["purePhoneNumber"] != "13800000001" {
		t.Fatalf("phone: %v", out)
	}
	if out := phone(code); out["errcode"] != 40029.0 {
		t.Fatalf("reused phone code: %v, want 40029", out)
	}
	_, issued = do(t, r, http.MethodPost, "/sandbox/wx/phone-code", `{"phone":"13800000002"}`)
	clock.add(CodeLife + time.Second)
	tok = stableToken(t, r, false)
	if out := phone(issued["code"].(string)); out["errcode"] != 40029.0 {
		t.Fatalf("expired phone code: %v, want 40029", out)
	}
}

type fakePaid map[string]string // out_trade_no → payer

func (f fakePaid) Paid(mchID, otn, _ string) (string, bool) {
	p, ok := f[otn]
	return p, ok && mchID == "1900000001"
}

// TestShipping: shipping info is refused for a merchant not enrolled, for an unpaid
// order and a second time; a well-formed upload for a paid order is recorded.
func TestShipping(t *testing.T) {
	m, _, _ := newMini(t)
	run := func(managed bool) (*gin.Engine, string) {
		r := gin.New()
		m.Mount(r.Group("/sandbox"))
		NewShipping(m, fakePaid{"P1": "sandbox-a"}, managed).Mount(r.Group("/sandbox"))
		return r, stableToken(t, r, false)
	}
	body := func(otn, payer, desc string) string {
		return `{"order_key":{"order_number_type":1,"mchid":"1900000001","out_trade_no":"` + otn + `"},"logistics_type":3,"delivery_mode":1,` +
			`"shipping_list":[{"item_desc":"` + desc + `"}],"upload_time":"2026-06-01T16:00:00+08:00","payer":{"openid":"` + payer + `"}}`
	}
	r, tok := run(false)
	if _, out := do(t, r, http.MethodPost, "/sandbox/wxa/sec/order/is_trade_managed?access_token="+tok, `{"appid":"wxapp"}`); out["is_trade_managed"] != false {
		t.Fatalf("is_trade_managed: %v", out)
	}
	if _, out := do(t, r, http.MethodPost, "/sandbox/wxa/sec/order/upload_shipping_info?access_token="+tok, body("P1", "sandbox-a", "学历照片采集服务")); out["errcode"] != 10060001.0 {
		t.Fatalf("not managed: %v", out)
	}
	r, tok = run(true)
	tests := []struct {
		name    string
		body    string
		errcode float64
	}{
		{"unpaid order", body("P2", "sandbox-a", "学历照片采集服务"), 10060001},
		{"another payer", body("P1", "sandbox-b", "学历照片采集服务"), 47003},
		{"no item_desc", body("P1", "sandbox-a", ""), 47003},
		{"uploaded", body("P1", "sandbox-a", "学历照片采集服务"), 0},
		{"uploaded twice", body("P1", "sandbox-a", "学历照片采集服务"), 10060002},
	}
	for _, tc := range tests {
		if _, out := do(t, r, http.MethodPost, "/sandbox/wxa/sec/order/upload_shipping_info?access_token="+tok, tc.body); out["errcode"] != tc.errcode {
			t.Fatalf("%s: %v, want errcode %v", tc.name, out, tc.errcode)
		}
	}
}
