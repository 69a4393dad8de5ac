package audit

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/db"
	"github.com/gradphoto/gradphoto/internal/dbtest"
)

func TestSchoolScope(t *testing.T) {
	cases := []struct {
		who    Actor
		school string
		ok     bool
	}{
		{Actor{Role: "admin"}, "a", true},
		{Actor{Role: "school_admin", SchoolID: "a"}, "a", true},
		{Actor{Role: "school_admin", SchoolID: "a"}, "b", false},
		{Actor{Role: "school_admin"}, "", false}, // a school admin without a school sees nothing
		{Actor{Role: "support"}, "a", false},
		{Actor{Role: "reviewer"}, "a", false},
		{Actor{}, "a", false},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s of %q on %q", tc.who.Role, tc.who.SchoolID, tc.school), func(t *testing.T) {
			err := tc.who.RequireSchool(tc.school)
			if tc.ok != (err == nil) || tc.ok != tc.who.CanSeeSchool(tc.school) {
				t.Fatalf("err %v, want ok=%v", err, tc.ok)
			}
			if err != nil && (!errors.Is(err, ErrOutOfScope) || apperr.As(err).Kind != apperr.KindNotFound) {
				t.Fatalf("out of scope must be a 404: %v", err)
			}
		})
	}
}

func TestRecordAndList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, g *gorm.DB) {
		ctx := context.Background()
		clock := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
		l := NewLog(g, func() time.Time { clock = clock.Add(time.Second); return clock }, dbtest.Discard())
		admin := Actor{Username: "root", Role: "admin", IP: "10.0.0.1"}
		support := Actor{Username: "help", Role: "support"}
		for i := 0; i < 5; i++ {
			if err := l.Record(ctx, support, ActionLookup, fmt.Sprintf("student_no:%d", i), map[string]any{"found": i}); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.Record(ctx, admin, ActionRefund, "P1", map[string]any{"reason": "学生申请"}); err != nil {
			t.Fatal(err)
		}
		// Inside a transaction that rolls back, the entry goes with it.
		_ = db.Tx(ctx, g, func(ctx context.Context) error {
			_ = l.Record(ctx, admin, ActionExport, "a", nil)
			return errors.New("rolled back")
		})
		cases := []struct {
			name  string
			f     Filter
			total int64
			first string
			n     int
		}{
			{"all, newest first", Filter{}, 6, "P1", 6},
			{"by action", Filter{Action: ActionLookup}, 5, "student_no:4", 5},
			{"by actor", Filter{Actor: "root"}, 1, "P1", 1},
			{"second page", Filter{Action: ActionLookup, Page: 2, PageSize: 2}, 5, "student_no:2", 2},
			{"past the end", Filter{Page: 9, PageSize: 2}, 6, "", 0},
			{"nothing", Filter{Action: "nope"}, 0, "", 0},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				p, err := l.List(ctx, admin, tc.f)
				if err != nil {
					t.Fatal(err)
				}
				first := ""
				if len(p.Entries) > 0 {
					first = p.Entries[0].Target
				}
				if p.Total != tc.total || len(p.Entries) != tc.n || first != tc.first {
					t.Fatalf("total %d, %d entries, first %q", p.Total, len(p.Entries), first)
				}
			})
		}
		p, _ := l.List(ctx, admin, Filter{Actor: "root"})
		e := p.Entries[0]
		if e.Role != "admin" || e.IP != "10.0.0.1" || e.DetailMap()["reason"] != "学生申请" || !e.CreatedAt.Equal(clock.Add(-time.Second)) {
			t.Fatalf("entry %+v", e)
		}
		if _, err := l.List(ctx, support, Filter{}); !errors.Is(err, apperr.ErrForbidden) {
			t.Fatalf("support reads the trail: %v", err)
		}
		if _, err := l.List(ctx, admin, Filter{PageSize: MaxPageSize + 1}); apperr.As(err).Kind != apperr.KindInvalid {
			t.Fatalf("page size: %v", err)
		}
	})
}

func TestClip(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{{"abc", 5, "abc"}, {"abcdef", 3, "abc"}, {"张三李四", 7, "张三"}, {"张三", 2, ""}} {
		if got := clip(tc.in, tc.n); got != tc.want {
			t.Errorf("clip(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}
