package usecase

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/audit"
	"github.com/gradphoto/gradphoto/internal/auth"
	"github.com/gradphoto/gradphoto/internal/dbtest"
	"github.com/gradphoto/gradphoto/internal/school"
)

// TestSchools: only admins change schools, an id is URL-safe and never changes, and
// every change is in the trail with the fields it set.
func TestSchools(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, g *gorm.DB) {
		ctx := context.Background()
		now := func() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }
		trail := audit.NewLog(g, now, dbtest.Discard())
		u := &Schools{d: Deps{DB: g, Schools: school.NewService(g, nil, now, dbtest.Discard()), Trail: trail, Now: now}}
		admin := audit.Actor{Username: "root", Role: auth.RoleAdmin}
		p := func(v string) *string { return &v }
		price := int64(2000)

		if _, err := u.Create(ctx, audit.Actor{Username: "s", Role: auth.RoleSupport}, school.Input{ID: p("s1"), Name: p("甲大学"), PriceFen: &price}); !errors.Is(err, apperr.ErrForbidden) {
			t.Fatalf("support created a school: %v", err)
		}
		if _, err := u.Create(ctx, admin, school.Input{ID: p("a/b"), Name: p("甲大学"), PriceFen: &price}); apperr.As(err).Code != "school_invalid" {
			t.Fatalf("id with a slash: %v", err)
		}
		if _, err := u.Create(ctx, admin, school.Input{ID: p("s1"), Name: p("甲大学"), PriceFen: &price}); err != nil {
			t.Fatal(err)
		}
		if _, err := u.Update(ctx, admin, "s1", school.Input{ID: p("s2")}); apperr.As(err).Code != "school_invalid" {
			t.Fatalf("id changed: %v", err)
		}
		if _, err := u.Update(ctx, admin, "s1", school.Input{Name: p("甲大学（新）")}); err != nil {
			t.Fatal(err)
		}
		page, err := trail.List(ctx, admin, audit.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, e := range page.Entries {
			got[e.Action] = e.Target + " " + e.Detail
		}
		if len(page.Entries) != 2 || got[audit.ActionSchoolCreate] != `s1 {"fields":["id","name","price_fen"]}` ||
			got[audit.ActionSchoolUpdate] != `s1 {"fields":["name"]}` {
			t.Fatalf("trail %v", got)
		}
	})
}
