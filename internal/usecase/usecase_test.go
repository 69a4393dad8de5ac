package usecase

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/audit"
	"github.com/gradphoto/gradphoto/internal/auth"
)

func TestChinaDay(t *testing.T) {
	for _, c := range []struct {
		at   string
		want string
	}{
		{"2026-11-30T15:59:59Z", "20261130"}, // 23:59:59 in Beijing
		{"2026-11-30T16:00:00Z", "20261201"}, // midnight in Beijing: a new day for reminders
		{"2026-12-01T08:00:00+08:00", "20261201"},
	} {
		at, _ := time.Parse(time.RFC3339, c.at)
		if got := chinaDay(at); got != c.want {
			t.Errorf("chinaDay(%s) = %s, want %s", c.at, got, c.want)
		}
	}
}

func TestRequireReason(t *testing.T) {
	if r, err := requireReason("  学生来电  "); err != nil || r != "学生来电" {
		t.Fatalf("%q %v", r, err)
	}
	for _, bad := range []string{"", "   ", strings.Repeat("因", 201)} {
		_, err := requireReason(bad)
		if e := apperr.As(err); err == nil || e.Kind != apperr.KindInvalid || e.Details["field"] != "reason" {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestRequireRole(t *testing.T) {
	if err := requireRole(audit.Actor{Role: auth.RoleAdmin}); err != nil {
		t.Fatal("admin refused")
	}
	if err := requireRole(audit.Actor{Role: auth.RoleSupport}, auth.RoleSupport); err != nil {
		t.Fatal("support refused")
	}
	for _, r := range []string{auth.RoleReviewer, auth.RoleSchoolAdmin, ""} {
		if err := requireRole(audit.Actor{Role: r}, auth.RoleSupport); !errors.Is(err, apperr.ErrForbidden) {
			t.Errorf("%q: %v", r, err)
		}
	}
}
