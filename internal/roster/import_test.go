package roster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/audit"
	"github.com/gradphoto/gradphoto/internal/dbtest"
)

// fixedLevels is a SchoolLevels for schools "a" and "b".
type fixedLevels struct{}

func (fixedLevels) SchoolLevels(ctx context.Context, id string) ([]string, error) {
	if id != "a" && id != "b" {
		return nil, apperr.NotFound("school_not_found", "未找到该学校")
	}
	return []string{"本科", "专科"}, nil
}

func addSchools(t testing.TB, g *gorm.DB) {
	t.Helper()
	for _, id := range []string{"a", "b"} {
		if err := g.Exec("INSERT INTO schools (id, name, province, aliases, levels, price_fen, photo_profile, active, created_at, updated_at) VALUES (?, ?, '', '[]', '[]', 2000, '', TRUE, ?, ?)",
			id, "school "+id, time.Now(), time.Now()).Error; err != nil {
			t.Fatal(err)
		}
	}
}

func newImporter(g *gorm.DB) (*Importer, *audit.Log) {
	now := func() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }
	trail := audit.NewLog(g, now, dbtest.Discard())
	return NewImporter(NewService(g, now, dbtest.Discard()), fixedLevels{}, trail), trail
}

func rosterCSV(n, from int) []byte {
	var b strings.Builder
	b.WriteString("姓名,学号,层次,手机号\n")
	for i := from; i < from+n; i++ {
		fmt.Fprintf(&b, "学生%c,S%07d,本科,138%08d\n", rune('甲'+i%20), i, i)
	}
	return []byte(b.String())
}

func TestImportScopeCountsAndAudit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, g *gorm.DB) {
		addSchools(t, g)
		im, trail := newImporter(g)
		ctx := context.Background()
		admin := audit.Actor{Username: "root", Role: "admin"}
		adminA := audit.Actor{Username: "sa", Role: "school_admin", SchoolID: "a"}

		scope := []struct {
			name   string
			who    audit.Actor
			school string
			want   error
		}{
			{"school admin of another school", adminA, "b", audit.ErrOutOfScope},
			{"reviewer", audit.Actor{Username: "r", Role: "reviewer"}, "a", audit.ErrOutOfScope},
			{"support", audit.Actor{Username: "s", Role: "support"}, "a", audit.ErrOutOfScope},
			{"admin, unknown school", admin, "zz", apperr.NotFound("school_not_found", "")},
		}
		for _, tc := range scope {
			t.Run(tc.name, func(t *testing.T) {
				if _, err := im.Import(ctx, tc.who, tc.school, "r.csv", rosterCSV(3, 0), nil); !errors.Is(err, tc.want) {
					t.Fatalf("err %v, want %v", err, tc.want)
				}
			})
		}
		var n int64
		g.Model(&Entry{}).Count(&n)
		if n != 0 {
			t.Fatalf("refused imports stored %d rows", n)
		}

		var calls []int
		res, err := im.Import(ctx, adminA, "a", "r.csv", rosterCSV(2500, 0), func(done, total int) {
			if total != 2500 {
				t.Errorf("total %d", total)
			}
			calls = append(calls, done)
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != 2500 || res.Updated != 0 || len(res.Errors) != 0 {
			t.Fatalf("first import %+v", res)
		}
		if fmt.Sprint(calls) != "[0 1000 2000 2500]" {
			t.Fatalf("progress %v", calls)
		}
		// The same students again plus new ones: updated and created are told apart.
		res, err = im.Import(ctx, admin, "a", "r.csv", rosterCSV(1000, 2000), nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != 500 || res.Updated != 500 {
			t.Fatalf("second import %+v", res)
		}
		// A roster without the phone column keeps the stored phone numbers.
		if _, err := im.Import(ctx, admin, "a", "r.csv", []byte("姓名,学号,层次\n新名字,S0000001,专科\n"), nil); err != nil {
			t.Fatal(err)
		}
		var e Entry
		if err := g.Where("school_id = ? AND student_no = ?", "a", "S0000001").Take(&e).Error; err != nil {
			t.Fatal(err)
		}
		if e.Name != "新名字" || e.Level != "专科" || e.Phone != "13800000001" {
			t.Fatalf("entry after an import without phones: %+v", e)
		}
		// The same 学号 at another school is another student.
		if res, err = im.Import(ctx, admin, "b", "r.csv", rosterCSV(10, 0), nil); err != nil || res.Created != 10 {
			t.Fatalf("other school %+v %v", res, err)
		}
		page, err := trail.List(ctx, admin, audit.Filter{Action: audit.ActionRosterImport})
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != 4 || page.Entries[3].Actor != "sa" || page.Entries[3].Target != "a" ||
			page.Entries[3].DetailMap()["created"] != float64(2500) {
			t.Fatalf("audit %+v", page.Entries)
		}
	})
}

// BenchmarkImport50000 is the roster-import target: 50 000 rows in under 10 s on SQLite.
func BenchmarkImport50000(b *testing.B) {
	data := rosterCSV(50000, 0)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		g := dbtest.SQLite(b)
		addSchools(b, g)
		im, _ := newImporter(g)
		b.StartTimer()
		res, err := im.Import(context.Background(), audit.Actor{Username: "bench", Role: "admin"}, "a", "r.csv", data, nil)
		if err != nil || res.Created != 50000 {
			b.Fatalf("%+v %v", res, err)
		}
	}
}
