// Package auth owns who is calling: students logged in through WeChat (code2session),
// staff accounts with roles, and the signed session tokens both carry.
package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/db"
	"github.com/gradphoto/gradphoto/internal/ids"
)

// Roles of staff accounts.
const (
	RoleAdmin       = "admin"
	RoleSchoolAdmin = "school_admin"
	RoleReviewer    = "reviewer"
	RoleSupport     = "support"
)

// ValidRole reports a known staff role.
func ValidRole(r string) bool {
	switch r {
	case RoleAdmin, RoleSchoolAdmin, RoleReviewer, RoleSupport:
		return true
	}
	return false
}

var (
	ErrLoginFailed   = apperr.Unauthorized("wechat_login_failed", "微信登录失败，请重新进入小程序")
	ErrWeChatDown    = apperr.Unavailable("wechat_unavailable", "微信服务暂时不可用，请稍后再试")
	ErrPhoneCode     = apperr.Rejected("phone_code_invalid", "手机号授权失败，请重新授权或手动输入手机号")
	ErrBadToken      = apperr.Unauthorized("unauthorized", "登录已过期，请重新登录")
	ErrWrongKind     = apperr.Forbidden("forbidden", "无权进行此操作")
	ErrBadCredential = apperr.Unauthorized("login_failed", "用户名或密码错误")
	// ErrStaffThrottled refuses a client address after too many failed staff logins;
	// it says nothing about any account.
	ErrStaffThrottled = apperr.TooMany("rate_limited", "登录失败次数过多，请稍后再试")
)

// User is a WeChat user of the mini-program (table users).
type User struct {
	ID      string `gorm:"primaryKey;size:40"`
	OpenID  string `gorm:"column:openid;size:128;not null"`
	UnionID string `gorm:"column:unionid;size:128;not null"`
	// TokenVersion is carried by the student's tokens; raising it ends their sessions.
	TokenVersion int `gorm:"not null"`
	CreatedAt    time.Time
	LastLoginAt  time.Time
}

func (User) TableName() string { return "users" }

// Models lists the package's GORM models.
func Models() []any { return []any{&User{}, &StaffAccount{}} }

// WeChat is the part of the WeChat mini-program API auth needs; the real one is
// silenceper/wechat (wechat.go), pointed at the sandbox in dev mode.
type WeChat interface {
	// Code2Session exchanges a wx.login code. The session key stays inside the implementation.
	Code2Session(ctx context.Context, code string) (openID, unionID string, err error)
	// PhoneNumber resolves a getPhoneNumber code to the bound phone number.
	PhoneNumber(ctx context.Context, code string) (string, error)
}

// ErrInvalidCode is returned by WeChat implementations when WeChat refused the code
// (as opposed to WeChat being unreachable).
var ErrInvalidCode = errors.New("wechat: code refused")

// Principal is the authenticated caller.
type Principal struct {
	Kind     string `json:"k"` // "student" | "staff"
	Subject  string `json:"sub"`
	Role     string `json:"role,omitempty"`
	SchoolID string `json:"school,omitempty"`
	Username string `json:"user,omitempty"`
	Version  int    `json:"ver,omitempty"` // staff: the account's token_version at login
	Expires  int64  `json:"exp"`
}

// Config of the service.
type Config struct {
	TokenSecret     []byte
	StudentTokenTTL time.Duration
	StaffTokenTTL   time.Duration
	// StaffMaxFailures within StaffLockout for one (address, account) make further tries
	// of that pair fail unchecked; StaffFailuresPerMinute from one address make that
	// address get 429.
	StaffMaxFailures       int
	StaffLockout           time.Duration
	StaffFailuresPerMinute int
}

// Service logs people in and checks tokens.
type Service struct {
	db          *gorm.DB
	wechat      WeChat
	cfg         Config
	now         func() time.Time
	log         *slog.Logger
	throttle    *loginThrottle
	bcryptSlots chan struct{}
}

func NewService(g *gorm.DB, wc WeChat, cfg Config, now func() time.Time, log *slog.Logger) *Service {
	if cfg.StaffMaxFailures <= 0 {
		cfg.StaffMaxFailures = 5
	}
	if cfg.StaffLockout <= 0 {
		cfg.StaffLockout = 15 * time.Minute
	}
	if cfg.StaffFailuresPerMinute <= 0 {
		cfg.StaffFailuresPerMinute = 10
	}
	return &Service{db: g, wechat: wc, cfg: cfg, now: now, log: log,
		throttle:    newLoginThrottle(cfg.StaffFailuresPerMinute, cfg.StaffMaxFailures, cfg.StaffLockout),
		bcryptSlots: make(chan struct{}, max(1, runtime.NumCPU()/2))}
}

// Session is a freshly issued token.
type Session struct {
	Token     string
	ExpiresAt time.Time
	UserID    string
}

// WeChatLogin logs a student in with a wx.login code, creating the user on first login.
func (s *Service) WeChatLogin(ctx context.Context, code string) (*Session, error) {
	code = strings.TrimSpace(code)
	if code == "" {
		return nil, apperr.Invalid("code_required", "缺少微信登录凭证")
	}
	if len(code) > 128 {
		return nil, apperr.Invalid("code_invalid", "微信登录凭证格式不正确，请重新进入小程序")
	}
	openID, unionID, err := s.wechat.Code2Session(ctx, code)
	if errors.Is(err, ErrInvalidCode) {
		return nil, ErrLoginFailed
	}
	if err != nil {
		s.log.WarnContext(ctx, "code2session failed", "err", err)
		return nil, ErrWeChatDown.Wrap(err)
	}
	now := s.now()
	u := User{ID: ids.New("u_", 16), OpenID: openID, UnionID: unionID, CreatedAt: now, LastLoginAt: now}
	err = db.Conn(ctx, s.db).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "openid"}},
		DoUpdates: clause.AssignmentColumns([]string{"last_login_at"}),
	}).Create(&u).Error
	if err != nil {
		return nil, apperr.Internal(fmt.Errorf("auth: upsert user: %w", err))
	}
	// On conflict the generated id was not stored: read the real one (into a fresh
	// value: GORM would add u's primary key to the condition).
	var stored User
	if err := db.Conn(ctx, s.db).Where("openid = ?", openID).Take(&stored).Error; err != nil {
		return nil, apperr.Internal(err)
	}
	u = stored
	exp := now.Add(s.cfg.StudentTokenTTL)
	tok := s.sign(Principal{Kind: "student", Subject: u.ID, Version: u.TokenVersion, Expires: exp.Unix()})
	return &Session{Token: tok, ExpiresAt: exp, UserID: u.ID}, nil
}

// VerifyStudent checks a student token and that its sessions were not ended (logout):
// one primary-key read per student request.
func (s *Service) VerifyStudent(ctx context.Context, token string) (*Principal, error) {
	p, err := s.Verify(token)
	if err != nil {
		return nil, err
	}
	if p.Kind != "student" {
		return nil, ErrWrongKind
	}
	var u User
	err = db.Conn(ctx, s.db).Select("id", "token_version").Where("id = ?", p.Subject).Take(&u).Error
	if db.IsNotFound(err) {
		return nil, ErrBadToken
	}
	if err != nil {
		return nil, apperr.Internal(err)
	}
	if u.TokenVersion != p.Version {
		return nil, ErrBadToken
	}
	return p, nil
}

// EndStudentSessions ends every session of the student (logout on one phone ends a
// token copied elsewhere too).
func (s *Service) EndStudentSessions(ctx context.Context, userID string) error {
	err := db.Conn(ctx, s.db).Model(&User{}).Where("id = ?", userID).
		Update("token_version", gorm.Expr("token_version + 1")).Error
	if err != nil {
		return apperr.Internal(err)
	}
	return nil
}

// OpenID returns a student's WeChat openid (payer of their orders, subscribe messages).
func (s *Service) OpenID(ctx context.Context, userID string) (string, error) {
	var u User
	err := db.Conn(ctx, s.db).Where("id = ?", userID).Take(&u).Error
	if db.IsNotFound(err) {
		return "", ErrBadToken
	}
	if err != nil {
		return "", apperr.Internal(err)
	}
	return u.OpenID, nil
}

// PhoneFromCode resolves the getPhoneNumber button's code.
func (s *Service) PhoneFromCode(ctx context.Context, code string) (string, error) {
	p, err := s.wechat.PhoneNumber(ctx, code)
	if errors.Is(err, ErrInvalidCode) {
		return "", ErrPhoneCode
	}
	if err != nil {
		return "", ErrWeChatDown.Wrap(err)
	}
	return p, nil
}

// sign makes "<payload>.<hmac>", both base64url. Stateless, so any instance sharing the
// secret can check it.
func (s *Service) sign(p Principal) string {
	payload, _ := json.Marshal(p)
	enc := base64.RawURLEncoding.EncodeToString(payload)
	mac := hmac.New(sha256.New, s.cfg.TokenSecret)
	mac.Write([]byte(enc))
	return enc + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// Verify checks a token's signature and expiry.
func (s *Service) Verify(token string) (*Principal, error) {
	enc, sig, ok := strings.Cut(token, ".")
	if !ok || len(token) > 1024 {
		return nil, ErrBadToken
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return nil, ErrBadToken
	}
	mac := hmac.New(sha256.New, s.cfg.TokenSecret)
	mac.Write([]byte(enc))
	if !hmac.Equal(got, mac.Sum(nil)) {
		return nil, ErrBadToken
	}
	payload, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return nil, ErrBadToken
	}
	var p Principal
	if err := json.Unmarshal(payload, &p); err != nil || p.Subject == "" {
		return nil, ErrBadToken
	}
	if s.now().Unix() >= p.Expires {
		return nil, ErrBadToken
	}
	return &p, nil
}
