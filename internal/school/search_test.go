package school

import (
	"context"
	"testing"
	"time"

	"github.com/gradphoto/gradphoto/internal/dbtest"
)

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"中国石油大学（华东）":   "中国石油大学华东",
		"中国石油大学(华东)":   "中国石油大学华东",
		" 中国 石油大学 华东 ": "中国石油大学华东",
		"ＵＰＣ":          "upc",
		"U P C":        "upc",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSearchRanking(t *testing.T) {
	g := dbtest.SQLite(t)
	ctx := context.Background()
	s := NewService(g, nil, func() time.Time { return time.Now().UTC() }, dbtest.Discard())
	p := func(v string) *string { return &v }
	price := int64(2000)
	for _, in := range []Input{
		{ID: p("upc-east"), Name: p("中国石油大学（华东）"), Aliases: &[]string{"石大", "中石大", "UPC"}, PriceFen: &price},
		{ID: p("upc-bj"), Name: p("中国石油大学（北京）"), Aliases: &[]string{"石大北京"}, PriceFen: &price},
		{ID: p("sdu"), Name: p("山东大学"), Aliases: &[]string{"山大"}, PriceFen: &price},
		{ID: p("zgdx"), Name: p("中国大学"), PriceFen: &price},
	} {
		if _, err := s.Create(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		q     string
		first string
		count int
	}{
		{"中国大学", "zgdx", 1},             // exact name
		{"中国石油", "upc-bj", 2},           // prefix: both, by name
		{"石大", "upc-east", 2},           // exact alias beats alias prefix
		{"upc", "upc-east", 1},          // alias, case folded
		{"zgsydx", "upc-bj", 2},         // pinyin initials
		{"zhongguoshiyou", "upc-bj", 2}, // full pinyin prefix
		{"华东", "upc-east", 1},           // substring
		{"sddx", "sdu", 1},
		{"清华", "", 0},
	}
	for _, tc := range cases {
		t.Run(tc.q, func(t *testing.T) {
			got := s.Search(ctx, tc.q, 10)
			if len(got) != tc.count {
				t.Fatalf("%d results, want %d: %v", len(got), tc.count, got)
			}
			if tc.count > 0 && got[0].ID != tc.first {
				t.Fatalf("first %s, want %s", got[0].ID, tc.first)
			}
		})
	}
	// Lookup serves from the index and sees changes made through the service at once.
	newName := "中国石油大学（华东）青岛"
	if _, err := s.Update(ctx, "upc-east", Input{Name: &newName}); err != nil {
		t.Fatal(err)
	}
	if sc, err := s.Lookup(ctx, "upc-east"); err != nil || sc.Name != newName {
		t.Fatalf("lookup after update: %+v %v", sc, err)
	}
	if _, err := s.Lookup(ctx, "nope"); err != ErrNotFound {
		t.Fatalf("lookup of an unknown school: %v", err)
	}
	// Changes are searchable at once; inactive schools disappear.
	off := false
	if _, err := s.Update(ctx, "sdu", Input{Active: &off}); err != nil {
		t.Fatal(err)
	}
	if got := s.Search(ctx, "山大", 10); len(got) != 0 {
		t.Fatalf("inactive school found: %v", got)
	}
}

func TestCreateValidation(t *testing.T) {
	g := dbtest.SQLite(t)
	s := NewService(g, func(name string) bool { return name == "chsi" }, time.Now, dbtest.Discard())
	ctx := context.Background()
	p := func(v string) *string { return &v }
	n := func(v int64) *int64 { return &v }
	cases := []struct {
		name string
		in   Input
	}{
		{"no name", Input{PriceFen: n(1)}},
		{"no price", Input{Name: p("x")}},
		{"zero price", Input{Name: p("x"), PriceFen: n(0)}},
		{"bad level", Input{Name: p("x"), PriceFen: n(1), Levels: &[]string{"博士"}}},
		{"no level", Input{Name: p("x"), PriceFen: n(1), Levels: &[]string{}}},
		{"unknown profile", Input{Name: p("x"), PriceFen: n(1), PhotoProfile: p("nope")}},
	}
	for _, tc := range cases {
		if _, err := s.Create(ctx, tc.in); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
	if _, err := s.Create(ctx, Input{Name: p("甲大学"), PriceFen: n(1), PhotoProfile: p("chsi")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, Input{Name: p("甲大学"), PriceFen: n(1)}); err != ErrDuplicate {
		t.Fatalf("duplicate name: %v", err)
	}
}
