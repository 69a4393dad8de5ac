package auth

import (
	"context"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/db"
)

// StaffAccount is a person behind the admin API (table staff_accounts).
type StaffAccount struct {
	ID           int64   `gorm:"primaryKey;autoIncrement"`
	Username     string  `gorm:"size:64;not null"`
	PasswordHash string  `gorm:"size:100;not null"`
	Role         string  `gorm:"size:16;not null"`
	SchoolID     *string `gorm:"size:40"`
	TokenVersion int     `gorm:"not null"`
	Disabled     bool    `gorm:"not null"`
	LastLoginAt  *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (StaffAccount) TableName() string { return "staff_accounts" }

// StaffSession is a staff login's answer.
type StaffSession struct {
	Token     string
	ExpiresAt time.Time
	Role      string
	SchoolID  string
	Username  string
}

// dummyHash keeps a login for an unknown user as slow as one for a known user.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("gradphoto-timing"), bcrypt.DefaultCost)

// StaffLogin checks a password from the client address addr. Wrong password, unknown
// user and a throttled (address, account) pair give one answer, ErrBadCredential; an
// address with too many failures in the last minute gets ErrStaffThrottled (429) for
// every account. Nothing is counted per account alone: failures from one address
// never lock out another. At most a few bcrypt comparisons run at once.
func (s *Service) StaffLogin(ctx context.Context, addr, username, password string) (*StaffSession, error) {
	username = strings.TrimSpace(username)
	now := s.now()
	wait, pairThrottled := s.throttle.check(addr, username, now)
	if wait > 0 {
		secs := int(wait/time.Second) + 1
		return nil, ErrStaffThrottled.WithDetails(map[string]any{"retry_after_seconds": secs})
	}
	if username == "" || password == "" || len(username) > 64 || len(password) > 128 {
		return nil, ErrBadCredential
	}
	if pairThrottled {
		s.throttle.fail(addr, username, now)
		return nil, ErrBadCredential
	}
	var acc StaffAccount
	err := db.Conn(ctx, s.db).Where("username = ?", username).Take(&acc).Error
	found := err == nil
	if err != nil && !db.IsNotFound(err) {
		return nil, apperr.Internal(err)
	}
	hash := dummyHash // an unknown user costs the same bcrypt as a known one
	if found {
		hash = []byte(acc.PasswordHash)
	}
	match, err := s.compare(ctx, hash, password)
	if err != nil {
		return nil, err
	}
	// A disabled account gets the wrong-password answer: one answer for every refusal.
	if !found || !match || acc.Disabled {
		s.throttle.fail(addr, username, now)
		return nil, ErrBadCredential
	}
	s.throttle.succeed(addr, username)
	if err := db.Conn(ctx, s.db).Model(&StaffAccount{}).Where("id = ?", acc.ID).Update("last_login_at", now).Error; err != nil {
		return nil, apperr.Internal(err)
	}
	school := ""
	if acc.SchoolID != nil {
		school = *acc.SchoolID
	}
	exp := now.Add(s.cfg.StaffTokenTTL)
	return &StaffSession{
		Token: s.sign(Principal{Kind: "staff", Subject: fmt.Sprint(acc.ID), Role: acc.Role, SchoolID: school,
			Username: acc.Username, Version: acc.TokenVersion, Expires: exp.Unix()}),
		ExpiresAt: exp, Role: acc.Role, SchoolID: school, Username: acc.Username,
	}, nil
}

// compare runs one bcrypt comparison in a bcrypt slot: a burst of logins (an attack
// from many addresses) takes those slots' CPU, not every core the student API needs.
func (s *Service) compare(ctx context.Context, hash []byte, password string) (bool, error) {
	select {
	case s.bcryptSlots <- struct{}{}:
		defer func() { <-s.bcryptSlots }()
	case <-ctx.Done():
		return false, apperr.ErrBusy.Wrap(ctx.Err())
	}
	return bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil, nil
}

// VerifyStaff checks a staff token and that it is still good for its account: the
// account exists, its sessions were not ended (logout, password reset) and its role and
// school are what the token says. One primary-key read per staff request.
func (s *Service) VerifyStaff(ctx context.Context, token string) (*Principal, error) {
	p, err := s.Verify(token)
	if err != nil {
		return nil, err
	}
	if p.Kind != "staff" {
		return nil, ErrWrongKind
	}
	var acc StaffAccount
	err = db.Conn(ctx, s.db).Where("id = ?", p.Subject).Take(&acc).Error
	if db.IsNotFound(err) {
		return nil, ErrBadToken
	}
	if err != nil {
		return nil, apperr.Internal(err)
	}
	school := ""
	if acc.SchoolID != nil {
		school = *acc.SchoolID
	}
	if acc.Disabled || acc.TokenVersion != p.Version || acc.Role != p.Role || school != p.SchoolID {
		return nil, ErrBadToken
	}
	return p, nil
}

// EndStaffSessions ends every session of the token's account (logout).
func (s *Service) EndStaffSessions(ctx context.Context, token string) error {
	p, err := s.VerifyStaff(ctx, token)
	if err != nil {
		return err
	}
	return db.Conn(ctx, s.db).Model(&StaffAccount{}).Where("id = ? AND token_version = ?", p.Subject, p.Version).
		Updates(map[string]any{"token_version": p.Version + 1, "updated_at": s.now()}).Error
}

// StaffInput creates or resets a staff account.
type StaffInput struct {
	Username string
	Password string
	Role     string
	SchoolID string // required for school_admin
}

// UpsertStaff creates an account or resets its password, role and school.
func (s *Service) UpsertStaff(ctx context.Context, in StaffInput) (*StaffAccount, error) {
	in.Username = strings.TrimSpace(in.Username)
	if in.Username == "" || len(in.Username) > 64 {
		return nil, apperr.Invalid("username_invalid", "用户名不能为空且不超过64个字符")
	}
	if len(in.Password) < 8 || len(in.Password) > 72 {
		return nil, apperr.Invalid("password_invalid", "密码长度须为8至72个字符")
	}
	if !ValidRole(in.Role) {
		return nil, apperr.Invalid("role_invalid", "角色只能是 admin、school_admin、reviewer 或 support")
	}
	if (in.Role == RoleSchoolAdmin) != (in.SchoolID != "") {
		return nil, apperr.Invalid("school_scope_invalid", "学校管理员必须指定学校，其他角色不能指定学校")
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(in.Password), bcrypt.DefaultCost)
	if err != nil {
		return nil, apperr.Internal(err)
	}
	var school *string
	if in.SchoolID != "" {
		school = &in.SchoolID
	}
	now := s.now()
	var acc StaffAccount
	err = db.Tx(ctx, s.db, func(ctx context.Context) error {
		err := db.Conn(ctx, s.db).Where("username = ?", in.Username).Take(&acc).Error
		switch {
		case db.IsNotFound(err):
			acc = StaffAccount{Username: in.Username, PasswordHash: string(hash), Role: in.Role, SchoolID: school, CreatedAt: now, UpdatedAt: now}
			return db.Conn(ctx, s.db).Create(&acc).Error
		case err != nil:
			return err
		}
		acc.PasswordHash, acc.Role, acc.SchoolID, acc.UpdatedAt = string(hash), in.Role, school, now
		acc.TokenVersion++ // a reset password or a changed role ends the old sessions
		return db.Conn(ctx, s.db).Save(&acc).Error
	})
	if err != nil {
		return nil, apperr.Internal(err)
	}
	return &acc, nil
}
