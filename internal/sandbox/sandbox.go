// Package sandbox is an offline WeChat: code2session, access tokens, phone numbers,
// subscribe messages and WeChat Pay v3, speaking WeChat's wire formats so that the
// real SDKs run unchanged against it in dev mode and tests. It is mounted under
// /sandbox only when wechat.mode is sandbox.
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

// MiniProgram emulates the mini-program server API of api.weixin.qq.com.
type MiniProgram struct {
	appID, appSecret string
	mu               sync.Mutex
	tokens           map[string]time.Time
}

// NewMiniProgram accepts only the configured app's credentials, as WeChat would.
func NewMiniProgram(appID, appSecret string) *MiniProgram {
	return &MiniProgram{appID: appID, appSecret: appSecret, tokens: map[string]time.Time{}}
}

// Mount adds the routes to the /sandbox group.
func (m *MiniProgram) Mount(r gin.IRouter) {
	r.GET("/sns/jscode2session", m.code2Session)
	r.GET("/cgi-bin/token", m.token)
	r.POST("/cgi-bin/stable_token", m.stableToken)
	r.POST("/wxa/business/getuserphonenumber", m.phoneNumber)
}

// wxError is WeChat's error body.
func wxError(c *gin.Context, code int, msg string) {
	c.JSON(http.StatusOK, gin.H{"errcode": code, "errmsg": msg})
}

// Codes of the form dev-<anything> log in as openid sandbox-<anything>.
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
	rest, ok := strings.CutPrefix(code, "dev-")
	if !ok || rest == "" || len(code) > 128 {
		wxError(c, 40029, "invalid code")
		return
	}
	c.JSON(http.StatusOK, gin.H{"openid": "sandbox-" + rest, "session_key": randomHex(16)})
}

func (m *MiniProgram) issueToken(c *gin.Context) {
	tok := "sbx-" + randomHex(24)
	m.mu.Lock()
	m.tokens[tok] = time.Now().Add(2 * time.Hour)
	m.mu.Unlock()
	c.JSON(http.StatusOK, gin.H{"access_token": tok, "expires_in": 7200})
}

func (m *MiniProgram) token(c *gin.Context) {
	if c.Query("appid") != m.appID || c.Query("secret") != m.appSecret {
		wxError(c, 40125, "invalid appsecret")
		return
	}
	m.issueToken(c)
}

func (m *MiniProgram) stableToken(c *gin.Context) {
	var req struct {
		AppID  string `json:"appid"`
		Secret string `json:"secret"`
	}
	if c.ShouldBindJSON(&req) != nil || req.AppID != m.appID || req.Secret != m.appSecret {
		wxError(c, 40125, "invalid appsecret")
		return
	}
	m.issueToken(c)
}

// ValidToken reports whether an access token was issued by this sandbox and is current.
func (m *MiniProgram) ValidToken(tok string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	exp, ok := m.tokens[tok]
	return ok && time.Now().Before(exp)
}

var phoneCode = regexp.MustCompile(`^phone-(1\d{10})$`)

// Phone-number codes of the form phone-<11 digits> return that number.
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
	if mm == nil {
		wxError(c, 40029, "invalid code")
		return
	}
	c.JSON(http.StatusOK, gin.H{"errcode": 0, "errmsg": "ok", "phone_info": gin.H{
		"phoneNumber": mm[1], "purePhoneNumber": mm[1], "countryCode": "86",
		"watermark": gin.H{"timestamp": time.Now().Unix(), "appid": m.appID},
	}})
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
