package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/dbtest"
)

// fakeWeChat records the codes it was given.
type fakeWeChat struct {
	codes []string
	down  bool
}

func (f *fakeWeChat) Code2Session(ctx context.Context, code string) (string, string, error) {
	f.codes = append(f.codes, code)
	if f.down {
		return "", "", errors.New("dial tcp: connection refused")
	}
	if rest, ok := strings.CutPrefix(code, "ok-"); ok {
		return "openid-" + rest, "", nil
	}
	return "", "", ErrInvalidCode
}

func (f *fakeWeChat) PhoneNumber(ctx context.Context, code string) (string, error) {
	return "", ErrInvalidCode
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newService(t *testing.T, g *gorm.DB) (*Service, *fakeWeChat, *clock) {
	wc := &fakeWeChat{}
	c := &clock{t: time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)}
	s := NewService(g, wc, Config{TokenSecret: []byte("0123456789abcdef0123456789abcdef"), StudentTokenTTL: time.Hour,
		StaffTokenTTL: time.Hour, StaffMaxFailures: 3, StaffLockout: 10 * time.Minute}, c.now, dbtest.Discard())
	return s, wc, c
}

func TestWeChatLoginAndTokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, g *gorm.DB) {
		s, wc, clk := newService(t, g)
		ctx := context.Background()
		a, err := s.WeChatLogin(ctx, "ok-alice")
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.WeChatLogin(ctx, "ok-alice")
		if err != nil {
			t.Fatal(err)
		}
		if a.UserID != b.UserID {
			t.Fatal("the same openid got two users")
		}
		p, err := s.Verify(a.Token)
		if err != nil || p.Subject != a.UserID || p.Kind != "student" {
			t.Fatalf("verify: %+v %v", p, err)
		}
		if _, err := s.WeChatLogin(ctx, "refused"); !errors.Is(err, ErrLoginFailed) {
			t.Fatalf("refused code: %v", err)
		}
		wc.down = true
		if _, err := s.WeChatLogin(ctx, "ok-bob"); apperr.As(err).Kind != apperr.KindUnavailable {
			t.Fatalf("WeChat down: %v", err)
		}
		// Tampering and expiry.
		for _, bad := range []string{"", "x", a.Token + "x", "e30." + strings.Split(a.Token, ".")[1], strings.Replace(a.Token, ".", "x.", 1)} {
			if _, err := s.Verify(bad); !errors.Is(err, ErrBadToken) {
				t.Errorf("token %q accepted", bad)
			}
		}
		clk.t = clk.t.Add(2 * time.Hour)
		if _, err := s.Verify(a.Token); !errors.Is(err, ErrBadToken) {
			t.Fatal("expired token accepted")
		}
	})
}

// Failures are counted per client address and per (address, account), never per
// account alone: an attacker who guesses wrong from one address is throttled there,
// while the account's owner logs in from another; wrong password, unknown user and a
// throttled pair give one answer; an address past its per-minute failures gets 429.
func TestStaffLoginThrottle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, g *gorm.DB) {
		s, _, clk := newService(t, g)
		ctx := context.Background()
		if _, err := s.UpsertStaff(ctx, StaffInput{Username: "rev", Password: "correct-horse", Role: RoleReviewer}); err != nil {
			t.Fatal(err)
		}
		const attacker, owner = "203.0.113.9", "198.51.100.7"
		sess, err := s.StaffLogin(ctx, owner, "rev", "correct-horse")
		if err != nil || sess.Role != RoleReviewer {
			t.Fatalf("%+v %v", sess, err)
		}
		if p, err := s.Verify(sess.Token); err != nil || p.Kind != "staff" || p.Role != RoleReviewer {
			t.Fatalf("%+v %v", p, err)
		}
		for i := 0; i < 3; i++ { // newService: 3 failures per pair
			if _, err := s.StaffLogin(ctx, attacker, "rev", "wrong"); !errors.Is(err, ErrBadCredential) {
				t.Fatalf("attempt %d: %v", i, err)
			}
		}
		// The pair is throttled: even the right password gets the wrong-password answer...
		if _, err := s.StaffLogin(ctx, attacker, "rev", "correct-horse"); !errors.Is(err, ErrBadCredential) {
			t.Fatalf("throttled pair: %v, want the one login_failed answer", err)
		}
		// ...the same answer as an unknown user...
		if _, err := s.StaffLogin(ctx, attacker, "nobody", "x"); apperr.As(err).Code != ErrBadCredential.Code || apperr.As(err).Message != ErrBadCredential.Message {
			t.Fatalf("unknown user: %v", err)
		}
		// ...and the owner, from another address, is not locked out.
		if _, err := s.StaffLogin(ctx, owner, "rev", "correct-horse"); err != nil {
			t.Fatalf("the owner from another address: %v", err)
		}
		// Past the per-minute failures, the attacker's address gets 429 for every account.
		for i := 0; i < 10; i++ {
			_, _ = s.StaffLogin(ctx, attacker, fmt.Sprintf("guess%d", i), "x")
		}
		_, err = s.StaffLogin(ctx, attacker, "someone-else", "x")
		if e := apperr.As(err); e.Kind != apperr.KindTooMany || e.Details["retry_after_seconds"] == nil {
			t.Fatalf("an address past its failures: %v", err)
		}
		if _, err := s.StaffLogin(ctx, owner, "rev", "correct-horse"); err != nil {
			t.Fatalf("the owner while the attacker's address is refused: %v", err)
		}
		// Both windows pass.
		clk.t = clk.t.Add(16 * time.Minute)
		if _, err := s.StaffLogin(ctx, attacker, "rev", "correct-horse"); err != nil {
			t.Fatalf("after the windows: %v", err)
		}
	})
}

func TestUpsertStaffValidation(t *testing.T) {
	s, _, _ := newService(t, dbtest.SQLite(t))
	ctx := context.Background()
	for _, in := range []StaffInput{
		{Username: "", Password: "long-enough", Role: RoleAdmin},
		{Username: "a", Password: "short", Role: RoleAdmin},
		{Username: "a", Password: "long-enough", Role: "root"},
		{Username: "a", Password: "long-enough", Role: RoleSchoolAdmin},
		{Username: "a", Password: "long-enough", Role: RoleReviewer, SchoolID: "s1"},
	} {
		if _, err := s.UpsertStaff(ctx, in); err == nil {
			t.Errorf("accepted %+v", in)
		}
	}
}

func TestStaffSessionsEnd(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, g *gorm.DB) {
		s, _, _ := newService(t, g)
		ctx := context.Background()
		in := StaffInput{Username: "sup", Password: "correct-horse", Role: RoleSupport}
		if _, err := s.UpsertStaff(ctx, in); err != nil {
			t.Fatal(err)
		}
		login := func() string {
			sess, err := s.StaffLogin(ctx, "192.0.2.1", "sup", "correct-horse")
			if err != nil {
				t.Fatal(err)
			}
			return sess.Token
		}
		a, b := login(), login()
		if _, err := s.VerifyStaff(ctx, a); err != nil {
			t.Fatal(err)
		}
		if err := s.EndStaffSessions(ctx, a); err != nil {
			t.Fatal(err)
		}
		for _, tok := range []string{a, b} { // logout ends every session of the account
			if _, err := s.VerifyStaff(ctx, tok); !errors.Is(err, ErrBadToken) {
				t.Fatalf("after logout: %v", err)
			}
		}
		c := login()
		in.Role = RoleReviewer // a changed role (or reset password) ends the old sessions too
		if _, err := s.UpsertStaff(ctx, in); err != nil {
			t.Fatal(err)
		}
		if _, err := s.VerifyStaff(ctx, c); !errors.Is(err, ErrBadToken) {
			t.Fatalf("after a role change: %v", err)
		}
		student, err := s.WeChatLogin(ctx, "ok-carol")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.VerifyStaff(ctx, student.Token); !errors.Is(err, ErrWrongKind) {
			t.Fatalf("a student token: %v", err)
		}
	})
}
