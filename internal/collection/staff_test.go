package collection

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/audit"
	"github.com/gradphoto/gradphoto/internal/dbtest"
	"github.com/gradphoto/gradphoto/internal/roster"
	"github.com/gradphoto/gradphoto/internal/school"
	"github.com/gradphoto/gradphoto/internal/storage"
)

var (
	asAdmin   = audit.Actor{Username: "root", Role: "admin"}
	asSchoolA = audit.Actor{Username: "sa", Role: "school_admin", SchoolID: "a"}
	asSchoolB = audit.Actor{Username: "sb", Role: "school_admin", SchoolID: "b"}
	asSupport = audit.Actor{Username: "help", Role: "support"}
	asReview  = audit.Actor{Username: "rev", Role: "reviewer"}
)

type staffFixture struct {
	g       *gorm.DB
	svc     *Service
	reviews *fakeReviews
	staff   *Staff
	trail   *audit.Log
	blobs   storage.Blobs
	ids     map[string]string // 学号 -> collection id
}

// newStaffFixture: school a has 6 roster students, 4 of them with a collection in
// the statuses given; school b has one approved student.
func newStaffFixture(t *testing.T, g *gorm.DB) *staffFixture {
	t.Helper()
	ctx := context.Background()
	now := func() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }
	log := dbtest.Discard()
	schools := school.NewService(g, nil, now, log)
	price := int64(2000)
	for _, id := range []string{"a", "b"} {
		id, name := id, "学校"+id
		if _, err := schools.Create(ctx, school.Input{ID: &id, Name: &name, PriceFen: &price}); err != nil {
			t.Fatal(err)
		}
	}
	rs := roster.NewService(g, now, log)
	if _, _, err := rs.Upsert(ctx, "a", []roster.Row{
		{StudentNo: "A001", Name: "张三", Level: "本科", Phone: "13800000001"},
		{StudentNo: "A002", Name: "李四", Level: "本科", Phone: "13800000002"},
		{StudentNo: "A003", Name: "王五", Level: "专科", Phone: "13800000003"},
		{StudentNo: "A004", Name: "张小明", Level: "本科"},
		{StudentNo: "A005", Name: "赵六", Level: "本科", Phone: "13800000005"},
		{StudentNo: "A006", Name: "孙七", Level: "本科", Phone: "13800000006"},
	}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := rs.Upsert(ctx, "b", []roster.Row{{StudentNo: "B001", Name: "钱八", Level: "本科", Phone: "13700000001"}}); err != nil {
		t.Fatal(err)
	}
	blobs, err := storage.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	reviews := &fakeReviews{}
	s := NewService(Deps{DB: g, Schools: schools, Roster: rs, Blobs: blobs, Photos: &fakePhotos{pass: true}, Now: now, Log: log})
	trail := audit.NewLog(g, now, log)
	staff := NewStaff(s, trail, Delivery{Codes: testSealer(t), Cropper: fakeCropper{}, Outbox: &recordingOutbox{}})
	f := &staffFixture{g: g, svc: s, reviews: reviews, staff: staff, trail: trail, blobs: blobs, ids: map[string]string{}}
	for _, c := range []struct {
		school, no, phone string
		status            Status
	}{
		{"a", "A001", "13800000001", StatusApproved},
		{"a", "A002", "13800000002", StatusApproved},
		{"a", "A003", "13800000003", StatusInReview},
		{"a", "A004", "13900000004", StatusExported}, // the roster has no phone: the collection's is shown
		{"b", "B001", "13700000001", StatusApproved},
	} {
		f.addCollection(t, c.school, c.no, c.phone, c.status)
	}
	return f
}

func (f *staffFixture) addCollection(t *testing.T, schoolID, no, phone string, st Status) {
	t.Helper()
	var e roster.Entry
	if err := f.g.Where("school_id = ? AND student_no = ?", schoolID, no).Take(&e).Error; err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	uid := "u_" + no
	if err := f.g.Exec("INSERT INTO users (id, openid, unionid, created_at, last_login_at) VALUES (?, ?, '', ?, ?)", uid, "o"+no, now, now).Error; err != nil {
		t.Fatal(err)
	}
	photo := []byte("photo of " + no)
	sum := sha256.Sum256(photo)
	sha := hex.EncodeToString(sum[:])
	if err := f.blobs.Put(context.Background(), PhotoKey(sha), photo); err != nil {
		t.Fatal(err)
	}
	c := Collection{ID: "c_" + no, UserID: uid, SchoolID: schoolID, RosterEntryID: e.ID, Level: e.Level, Name: e.Name,
		StudentNo: no, Phone: phone, Status: st, PhotoSHA256: &sha, PhotoAt: &now, CreatedAt: now, UpdatedAt: now}
	if err := f.g.Create(&c).Error; err != nil {
		t.Fatal(err)
	}
	f.ids[no] = c.ID
}

func (f *staffFixture) status(t *testing.T, no string) Status {
	t.Helper()
	var c Collection
	if err := f.g.Where("id = ?", f.ids[no]).Take(&c).Error; err != nil {
		t.Fatal(err)
	}
	return c.Status
}

func TestStaffScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, g *gorm.DB) {
		f := newStaffFixture(t, g)
		ctx := context.Background()
		calls := map[string]func(who audit.Actor) error{
			"students": func(who audit.Actor) error {
				_, err := f.staff.ListStudents(ctx, who, "b", StudentFilter{})
				return err
			},
			"stats":   func(who audit.Actor) error { _, err := f.staff.Stats(ctx, who, "b"); return err },
			"export":  func(who audit.Actor) error { _, err := f.staff.PlanExport(ctx, who, "b", true); return err },
			"batches": func(who audit.Actor) error { _, err := f.staff.ListBatches(ctx, who, "b"); return err },
			"results": func(who audit.Actor) error {
				_, err := f.staff.ImportCHSIResults(ctx, who, "b", "r.csv", []byte("学号,结果\nB001,通过\n"))
				return err
			},
		}
		for name, call := range calls {
			t.Run(name, func(t *testing.T) {
				for _, who := range []audit.Actor{asSchoolA, asSupport, asReview} {
					if err := call(who); !errors.Is(err, audit.ErrOutOfScope) || apperr.As(err).Kind != apperr.KindNotFound {
						t.Errorf("%s: err %v, want 404", who.Username, err)
					}
				}
				for _, who := range []audit.Actor{asSchoolB, asAdmin} {
					if err := call(who); err != nil {
						t.Errorf("%s: %v", who.Username, err)
					}
				}
			})
		}
	})
}

func TestListStudents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, g *gorm.DB) {
		f := newStaffFixture(t, g)
		ctx := context.Background()
		cases := []struct {
			name  string
			f     StudentFilter
			total int64
			nos   string
		}{
			{"all, first page", StudentFilter{PageSize: 4}, 6, "A001 A002 A003 A004"},
			{"all, second page", StudentFilter{Page: 2, PageSize: 4}, 6, "A005 A006"},
			{"approved", StudentFilter{Status: "approved"}, 2, "A001 A002"},
			{"not started", StudentFilter{Status: "not_started"}, 2, "A005 A006"},
			{"name part", StudentFilter{Query: "张"}, 2, "A001 A004"},
			{"学号 prefix, lower case", StudentFilter{Query: "a00"}, 6, "A001 A002 A003 A004 A005 A006"},
			{"LIKE wildcards are literal", StudentFilter{Query: "%"}, 0, ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				p, err := f.staff.ListStudents(ctx, asSchoolA, "a", tc.f)
				if err != nil {
					t.Fatal(err)
				}
				var nos []string
				for _, s := range p.Students {
					nos = append(nos, s.StudentNo)
				}
				if p.Total != tc.total || strings.Join(nos, " ") != tc.nos {
					t.Fatalf("total %d %v, want %d %s", p.Total, nos, tc.total, tc.nos)
				}
			})
		}
		p, err := f.staff.ListStudents(ctx, asSchoolA, "a", StudentFilter{PageSize: 6})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]StudentRow{}
		for _, s := range p.Students {
			got[s.StudentNo] = s
		}
		if r := got["A001"]; r.PhoneMasked != "138****0001" || r.Status != StatusApproved || r.CollectionID != f.ids["A001"] {
			t.Errorf("A001 %+v", r)
		}
		if r := got["A004"]; r.PhoneMasked != "139****0004" {
			t.Errorf("A004 takes the collection's phone, masked: %+v", r)
		}
		if r := got["A005"]; r.Status != StatusNotStarted || r.CollectionID != "" || r.UpdatedAt != nil {
			t.Errorf("A005 %+v", r)
		}
		for _, bad := range []StudentFilter{{PageSize: 201}, {Page: -1}, {Status: "paid"}} {
			if _, err := f.staff.ListStudents(ctx, asSchoolA, "a", bad); apperr.As(err).Kind != apperr.KindInvalid {
				t.Errorf("%+v: %v", bad, err)
			}
		}
	})
}

func TestStats(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, g *gorm.DB) {
		f := newStaffFixture(t, g)
		now := time.Now().UTC()
		for i, o := range []struct {
			no, status string
			fen        int64
		}{{"A001", "paid", 2000}, {"A002", "paid", 2500}, {"A003", "refunded", 2000}, {"A004", "closed", 2000}, {"B001", "paid", 9900}} {
			if err := g.Exec("INSERT INTO orders (out_trade_no, collection_id, user_id, openid, amount_fen, description, status, expires_at, created_at, updated_at) VALUES (?, ?, ?, 'o', ?, 'd', ?, ?, ?, ?)",
				fmt.Sprintf("P%d", i), f.ids[o.no], "u_"+o.no, o.fen, o.status, now, now, now).Error; err != nil {
				t.Fatal(err)
			}
		}
		st, err := f.staff.Stats(context.Background(), asSchoolA, "a")
		if err != nil {
			t.Fatal(err)
		}
		if st.RosterTotal != 6 || st.PaidTotalFen != 4500 {
			t.Fatalf("%+v", st)
		}
		want := map[Status]int64{StatusNotStarted: 2, StatusUnconfirmed: 0, StatusConfirmed: 0, StatusCodeOK: 0, StatusPhotoOK: 0,
			StatusInReview: 1, StatusApproved: 2, StatusRejected: 0, StatusExported: 1,
			StatusSubmitted: 0, StatusCHSIOK: 0, StatusCHSIFailed: 0}
		if fmt.Sprint(st.ByStatus) != fmt.Sprint(want) {
			t.Fatalf("by status %v, want %v", st.ByStatus, want)
		}
	})
}

// fakeCropper "crops" by prefixing, and fails for photos containing "A002" when failA002.
type fakeCropper struct{ fail string }

func (c fakeCropper) ExportCrop(ctx context.Context, data []byte) ([]byte, error) {
	if c.fail != "" && bytes.Contains(data, []byte(c.fail)) {
		return nil, errors.New("no face")
	}
	return append([]byte("JPEG:"), data...), nil
}

func readZIP(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		out[f.Name] = b
	}
	return out
}

// brokenWriter fails after n bytes, as a client that goes away does.
type brokenWriter struct{ n int }

func (w *brokenWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		return 0, errors.New("connection reset")
	}
	w.n -= len(p)
	return len(p), nil
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestRefundRuleAndLookup(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, g *gorm.DB) {
		f := newStaffFixture(t, g)
		ctx := context.Background()
		cases := []struct {
			who  audit.Actor
			no   string
			want error
		}{
			{asSupport, "A003", nil},                 // in review: support may refund
			{asSupport, "A001", ErrRefundApproved},   // approved: admins only
			{asSupport, "A004", ErrRefundApproved},   // exported likewise
			{asAdmin, "A001", nil},                   //
			{asSchoolA, "A003", apperr.ErrForbidden}, // not a school admin's job
			{asReview, "A003", apperr.ErrForbidden},  //
			{asSupport, "missing", ErrNotFound},      //
		}
		for _, tc := range cases {
			t.Run(tc.who.Role+" "+tc.no, func(t *testing.T) {
				id := f.ids[tc.no]
				if id == "" {
					id = "c_missing"
				}
				if err := f.staff.CheckRefund(ctx, tc.who, id); !errors.Is(err, tc.want) && !(err == nil && tc.want == nil) {
					t.Fatalf("err %v, want %v", err, tc.want)
				}
			})
		}

		lookups := []struct {
			who   audit.Actor
			key   LookupKey
			found int
			kind  apperr.Kind
		}{
			{asSupport, LookupKey{Phone: "+86 138-0000-0001"}, 1, 0},
			{asSupport, LookupKey{StudentNo: "a003"}, 1, 0},
			{asAdmin, LookupKey{Phone: "13000000000"}, 0, 0},
			{asSupport, LookupKey{}, 0, apperr.KindInvalid},
			{asSupport, LookupKey{Phone: "13800000001", StudentNo: "A001"}, 0, apperr.KindInvalid},
			{asSupport, LookupKey{Phone: "12345"}, 0, apperr.KindInvalid},
			{asSchoolA, LookupKey{StudentNo: "A001"}, 0, apperr.KindForbidden},
		}
		for _, tc := range lookups {
			t.Run(fmt.Sprintf("lookup %s %+v", tc.who.Role, tc.key), func(t *testing.T) {
				cs, err := f.staff.Lookup(ctx, tc.who, tc.key)
				if tc.kind != 0 {
					if apperr.As(err).Kind != tc.kind {
						t.Fatalf("err %v", err)
					}
					return
				}
				if err != nil || len(cs) != tc.found {
					t.Fatalf("%d found, %v", len(cs), err)
				}
			})
		}
		page, err := f.trail.List(ctx, asAdmin, audit.Filter{Action: audit.ActionLookup})
		if err != nil || page.Total != 3 || page.Entries[2].Target != "phone:138****0001" {
			t.Fatalf("lookups audited: %+v %v", page, err)
		}
	})
}
