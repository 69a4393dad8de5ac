// Package sandbox is an offline WeChat: code2session, access tokens (plain and stable),
// phone numbers, subscribe messages, order shipping info and WeChat Pay v3, speaking
// WeChat's wire formats and refusing what WeChat refuses, so that the real SDKs run
// unchanged against it in dev mode and tests. It is mounted under /sandbox only when
// wechat.mode is sandbox, and it imports no gradphoto package: what it checks comes from
// WeChat's documented rules and from the mini-program's own app.json.
package sandbox

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// CodeLife is how long a wx.login or getPhoneNumber code lives (WeChat: 5 minutes, once).
const CodeLife = 5 * time.Minute

// tokenOverlap is how long a replaced access token keeps working (WeChat: 5 minutes).
const tokenOverlap = 5 * time.Minute

// MiniProgram emulates the mini-program server API of api.weixin.qq.com.
type MiniProgram struct {
	appID, appSecret string
	now              func() time.Time

	mu     sync.Mutex
	tokens map[string]time.Time // every issued token → its expiry
	plain  string               // the latest /cgi-bin/token token
	stable string               // the current /cgi-bin/stable_token token
	login  *codeBook
	phone  *codeBook
}

// NewMiniProgram accepts only the configured app's credentials, as WeChat would.
func NewMiniProgram(appID, appSecret string) *MiniProgram {
	m := &MiniProgram{appID: appID, appSecret: appSecret, now: time.Now, tokens: map[string]time.Time{}}
	m.login = newCodeBook(m.clock)
	m.phone = newCodeBook(m.clock)
	return m
}

// SetClock replaces the wall clock (tests of code and token lifetimes).
func (m *MiniProgram) SetClock(now func() time.Time) {
	m.mu.Lock()
	m.now = now
	m.mu.Unlock()
}

func (m *MiniProgram) clock() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now()
}

// Mount adds the routes to the /sandbox group.
func (m *MiniProgram) Mount(r gin.IRouter) {
	r.GET("/sns/jscode2session", m.code2Session)
	r.GET("/cgi-bin/token", m.token)
	r.POST("/cgi-bin/stable_token", m.stableToken)
	r.POST("/wxa/business/getuserphonenumber", m.phoneNumber)
	// What the WeChat client does on the phone: wx.login and the getPhoneNumber button.
	r.POST("/wx/login", m.issueLoginCode)
	r.POST("/wx/phone-code", m.issuePhoneCode)
}

// wxError is WeChat's error body.
func wxError(c *gin.Context, code int, msg string) {
	c.JSON(http.StatusOK, gin.H{"errcode": code, "errmsg": msg + " rid: sbx-" + randomHex(6)})
}

// codeBook tracks one-time codes: issued ones expire CodeLife after issue; every code,
// issued or written by hand, is accepted once.
type codeBook struct {
	now    func() time.Time
	mu     sync.Mutex
	issued map[string]time.Time
	used   map[string]bool
}

func newCodeBook(now func() time.Time) *codeBook {
	return &codeBook{now: now, issued: map[string]time.Time{}, used: map[string]bool{}}
}

func (b *codeBook) issue(code string) {
	b.mu.Lock()
	b.issued[code] = b.now()
	b.mu.Unlock()
}

// Outcomes of codeBook.use.
const (
	codeOK = iota
	codeUsed
	codeExpired
)

func (b *codeBook) use(code string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used[code] {
		return codeUsed
	}
	if at, ok := b.issued[code]; ok && b.now().Sub(at) > CodeLife {
		return codeExpired
	}
	b.used[code] = true
	delete(b.issued, code)
	return codeOK
}

// loginCode is dev-<name>, optionally ~<anything> to make it unique: openid sandbox-<name>.
var loginCode = regexp.MustCompile(`^dev-([^~]+)(~[0-9A-Za-z_-]{1,64})?$`)

// Codes of the form dev-<name>[~<nonce>] log in as openid sandbox-<name>, once each, as
// a wx.login code is: a second use answers 40163, an issued code older than 5 minutes 40029.
func (m *MiniProgram) code2Session(c *gin.Context) {
	if c.Query("appid") != m.appID || c.Query("secret") != m.appSecret {
		wxError(c, 40125, "invalid appsecret")
		return
	}
	if c.Query("grant_type") != "authorization_code" {
		wxError(c, 40002, "invalid grant_type")
		return
	}
	code := c.Query("js_code")
	mm := loginCode.FindStringSubmatch(code)
	if mm == nil || len(code) > 128 {
		wxError(c, 40029, "invalid code")
		return
	}
	switch m.login.use(code) {
	case codeUsed:
		wxError(c, 40163, "code been used")
		return
	case codeExpired:
		wxError(c, 40029, "invalid code")
		return
	}
	c.JSON(http.StatusOK, gin.H{"openid": "sandbox-" + mm[1], "session_key": randomHex(16)})
}

// issueLoginCode stands in for wx.login: {"name"} → {"code"}, a fresh code for openid
// sandbox-<name> that lives 5 minutes.
func (m *MiniProgram) issueLoginCode(c *gin.Context) {
	var req struct {
		Name string `json:"name"`
	}
	if c.ShouldBindJSON(&req) != nil || req.Name == "" || strings.ContainsAny(req.Name, "~") || len(req.Name) > 60 {
		c.JSON(http.StatusBadRequest, gin.H{"errMsg": "login:fail name required (no ~, at most 60 bytes)"})
		return
	}
	code := "dev-" + req.Name + "~" + randomHex(8)
	m.login.issue(code)
	c.JSON(http.StatusOK, gin.H{"code": code, "errMsg": "login:ok"})
}

// issuePhoneCode stands in for the getPhoneNumber button: {"phone"} → {"code"}.
func (m *MiniProgram) issuePhoneCode(c *gin.Context) {
	var req struct {
		Phone string `json:"phone"`
	}
	if c.ShouldBindJSON(&req) != nil || !phoneDigits.MatchString(req.Phone) {
		c.JSON(http.StatusBadRequest, gin.H{"errMsg": "getPhoneNumber:fail phone must be 11 digits starting with 1"})
		return
	}
	code := "phone-" + req.Phone + "~" + randomHex(8)
	m.phone.issue(code)
	c.JSON(http.StatusOK, gin.H{"code": code, "errMsg": "getPhoneNumber:ok"})
}

var phoneDigits = regexp.MustCompile(`^1\d{10}$`)

func (m *MiniProgram) newToken(life time.Duration) string {
	tok := "sbx-" + randomHex(24)
	m.tokens[tok] = m.now().Add(life)
	return tok
}

// token is GET /cgi-bin/token: every call issues a new token and the previous one stops
// working 5 minutes later, which is why several instances each fetching their own
// token invalidate each other's.
func (m *MiniProgram) token(c *gin.Context) {
	if c.Query("grant_type") != "client_credential" {
		wxError(c, 40002, "invalid grant_type")
		return
	}
	if c.Query("appid") != m.appID || c.Query("secret") != m.appSecret {
		wxError(c, 40125, "invalid appsecret")
		return
	}
	m.mu.Lock()
	if exp, ok := m.tokens[m.plain]; ok && exp.After(m.now().Add(tokenOverlap)) {
		m.tokens[m.plain] = m.now().Add(tokenOverlap)
	}
	m.plain = m.newToken(2 * time.Hour)
	tok := m.plain
	m.mu.Unlock()
	c.JSON(http.StatusOK, gin.H{"access_token": tok, "expires_in": 7200})
}

// stableToken is POST /cgi-bin/stable_token: in normal mode every caller gets the same
// token while it is valid (so instances do not fight); force_refresh replaces it. It is
// independent of /cgi-bin/token.
func (m *MiniProgram) stableToken(c *gin.Context) {
	var req struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh bool   `json:"force_refresh"`
	}
	if c.ShouldBindJSON(&req) != nil || req.GrantType != "client_credential" {
		wxError(c, 40002, "invalid grant_type")
		return
	}
	if req.AppID != m.appID || req.Secret != m.appSecret {
		wxError(c, 40125, "invalid appsecret")
		return
	}
	m.mu.Lock()
	now := m.now()
	exp, ok := m.tokens[m.stable]
	if req.ForceRefresh || !ok || !exp.After(now) {
		delete(m.tokens, m.stable)
		m.stable = m.newToken(2 * time.Hour)
		exp = m.tokens[m.stable]
	}
	tok := m.stable
	m.mu.Unlock()
	c.JSON(http.StatusOK, gin.H{"access_token": tok, "expires_in": int(exp.Sub(now).Seconds())})
}

// ValidToken reports whether an access token was issued by this sandbox and is current.
func (m *MiniProgram) ValidToken(tok string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	exp, ok := m.tokens[tok]
	return ok && m.now().Before(exp)
}

// AppID is the mini-program's appid (the shipping API checks it).
func (m *MiniProgram) AppID() string { return m.appID }

var phoneCode = regexp.MustCompile(`^phone-(1\d{10})(~[0-9A-Za-z_-]{1,64})?$`)

// Phone-number codes of the form phone-<11 digits>[~<nonce>] return that number, once
// each: WeChat answers 40029 for a used, expired or unknown code.
func (m *MiniProgram) phoneNumber(c *gin.Context) {
	if !m.ValidToken(c.Query("access_token")) {
		wxError(c, 40001, "invalid credential, access_token is invalid or not latest")
		return
	}
	var req struct {
		Code string `json:"code"`
	}
	if c.ShouldBindJSON(&req) != nil {
		wxError(c, 47001, "data format error")
		return
	}
	mm := phoneCode.FindStringSubmatch(req.Code)
	if mm == nil || m.phone.use(req.Code) != codeOK {
		wxError(c, 40029, "invalid code")
		return
	}
	c.JSON(http.StatusOK, gin.H{"errcode": 0, "errmsg": "ok", "phone_info": gin.H{
		"phoneNumber": mm[1], "purePhoneNumber": mm[1], "countryCode": "86",
		"watermark": gin.H{"timestamp": m.clock().Unix(), "appid": m.appID},
	}})
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
