// Package usecase holds the rules that cross domains — what a student, support, school
// administrators and admins do to a collection, its order, review, messages and the
// audit trail at once — between the HTTP handlers (which only translate) and the
// domain packages (which each own one thing). It takes such decisions in one
// transaction, so that a rule is checked against the very state it changes. Every staff
// use case checks the actor's role and school scope itself and records what it changed,
// who, when and why. It also implements what one domain asks of another where that
// carries a rule (Settlement, PaymentAlerts, ReviewSubjects), so that app only wires.
// Answers are domain values (CollectionView joins a collection with its order and
// review); their JSON shapes are httpapi's.
package usecase

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/audit"
	"github.com/gradphoto/gradphoto/internal/auth"
	"github.com/gradphoto/gradphoto/internal/collection"
	"github.com/gradphoto/gradphoto/internal/notify"
	"github.com/gradphoto/gradphoto/internal/payment"
	"github.com/gradphoto/gradphoto/internal/review"
	"github.com/gradphoto/gradphoto/internal/roster"
	"github.com/gradphoto/gradphoto/internal/school"
	"github.com/gradphoto/gradphoto/internal/storage"
)

// Deps are the domain services the use cases combine; all of them are always there.
type Deps struct {
	DB          *gorm.DB // transactions spanning several domains
	Auth        *auth.Service
	Schools     *school.Service
	Roster      *roster.Service
	Collections *collection.Service
	Staff       *collection.Staff
	Payments    *payment.Service
	Reviews     *review.Service
	Blobs       storage.Blobs // the photos
	Outbox      *notify.Outbox
	Trail       *audit.Log
	Now         func() time.Time
}

// UseCases are the use cases, by who calls them.
type UseCases struct {
	Student     *Student
	Reviewer    *Reviewer
	Refunds     *Refunds
	Schools     *Schools
	Support     *Support
	SchoolAdmin *SchoolAdmin
	StaffAdmin  *StaffAdmin
}

// New builds the use cases.
func New(d Deps) *UseCases {
	return &UseCases{Student: &Student{d: d}, Reviewer: &Reviewer{d: d}, Refunds: NewRefunds(d.DB, d.Staff, d.Payments, d.Trail), Schools: &Schools{d: d}, Support: &Support{d: d}, SchoolAdmin: &SchoolAdmin{d: d}, StaffAdmin: &StaffAdmin{d: d}}
}

// requireRole admits the actor when their role is one of roles (admins always).
func requireRole(who audit.Actor, roles ...string) error {
	if who.Role == auth.RoleAdmin {
		return nil
	}
	for _, r := range roles {
		if who.Role == r {
			return nil
		}
	}
	return apperr.ErrForbidden
}

// requireSchool lets the actor through to an existing school of their scope: another
// school's administrator learns nothing, not even that it exists.
func requireSchool(ctx context.Context, d Deps, who audit.Actor, schoolID string) (*school.School, error) {
	if err := who.RequireSchool(schoolID); err != nil {
		return nil, err
	}
	return d.Schools.Get(ctx, schoolID)
}

// requireReason checks the reason every sensitive support action must give.
func requireReason(reason string) (string, error) {
	return givenReason(reason, "请填写操作原因", 200)
}

// givenReason trims a reason the audit trail (or WeChat Pay) keeps and checks it is there
// and at most max characters long.
func givenReason(reason, missing string, max int) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return "", apperr.Invalid("reason_required", missing).WithDetails(map[string]any{"field": "reason"})
	}
	if utf8.RuneCountInString(reason) > max {
		return "", apperr.Invalid("field_too_long", fmt.Sprintf("原因不超过%d个字", max)).WithDetails(map[string]any{"field": "reason", "max": max})
	}
	return reason, nil
}

// chinaDay is the calendar day in China (UTC+8, no daylight saving) of t, as 20060102:
// "once a day" is the student's day.
func chinaDay(t time.Time) string { return t.UTC().Add(8 * time.Hour).Format("20060102") }
