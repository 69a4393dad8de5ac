package collection

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/gradphoto/gradphoto/internal/audit"
	"github.com/gradphoto/gradphoto/internal/dbtest"
	"github.com/gradphoto/gradphoto/internal/roster"
	"github.com/gradphoto/gradphoto/internal/school"
	"github.com/gradphoto/gradphoto/internal/storage"
)

const fakePhotoBytes = 60 << 10 // about a 480×640 JPEG

// generatedBlobs serves a fresh 60 KB "photo" for any key, so that thousands of photos
// cost no disk and the only memory held is what the export itself keeps.
type generatedBlobs struct{ storage.Blobs }

func (generatedBlobs) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	b := bytes.Repeat([]byte(key[len(key)-8:]), fakePhotoBytes/8)
	return io.NopCloser(bytes.NewReader(b)), nil
}

// copyCropper allocates a new output per photo, as the real crop does.
type copyCropper struct{}

func (copyCropper) ExportCrop(ctx context.Context, data []byte) ([]byte, error) {
	return append([]byte(nil), data...), nil
}

// heapProbe is the response: it discards bytes and every `every` photos' worth of
// data measures the live heap after a collection, keeping the largest.
type heapProbe struct {
	written, next, every int64
	peak                 uint64
}

func (p *heapProbe) Write(b []byte) (int, error) {
	p.written += int64(len(b))
	if p.written >= p.next {
		p.next += p.every
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		p.peak = max(p.peak, m.HeapAlloc)
	}
	return len(b), nil
}

// approvedSchool makes school "x" with n approved collections.
func approvedSchool(tb testing.TB, n int) *Staff {
	tb.Helper()
	g := dbtest.SQLite(tb)
	ctx := context.Background()
	now := func() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }
	schools := school.NewService(g, nil, now, dbtest.Discard())
	id, name, price := "x", "学校x", int64(2000)
	if _, err := schools.Create(ctx, school.Input{ID: &id, Name: &name, PriceFen: &price}); err != nil {
		tb.Fatal(err)
	}
	rows := make([]roster.Row, n)
	for i := range rows {
		rows[i] = roster.Row{StudentNo: fmt.Sprintf("X%06d", i), Name: "学生", Level: "本科"}
	}
	rs := roster.NewService(g, now, dbtest.Discard())
	if _, _, err := rs.Upsert(ctx, "x", rows); err != nil {
		tb.Fatal(err)
	}
	t0 := now()
	if err := g.Exec("INSERT INTO users (id, openid, unionid, created_at, last_login_at) VALUES ('u', 'o', '', ?, ?)", t0, t0).Error; err != nil {
		tb.Fatal(err)
	}
	var entries []roster.Entry
	g.Where("school_id = ?", "x").Find(&entries)
	cs := make([]Collection, len(entries))
	for i, e := range entries {
		sha := fmt.Sprintf("%064x", i)
		cs[i] = Collection{ID: fmt.Sprintf("c_%06d", i), UserID: "u", SchoolID: "x", RosterEntryID: e.ID, Level: e.Level, Name: e.Name,
			StudentNo: e.StudentNo, Status: StatusApproved, PhotoSHA256: &sha, CreatedAt: t0, UpdatedAt: t0}
	}
	if err := g.Session(&gorm.Session{CreateBatchSize: 500}).Create(&cs).Error; err != nil {
		tb.Fatal(err)
	}
	s := NewService(Deps{DB: g, Schools: schools, Roster: rs, Blobs: generatedBlobs{}, Now: now, Log: dbtest.Discard()})
	return NewStaff(s, audit.NewLog(g, now, dbtest.Discard()))
}

func exportPeakHeap(tb testing.TB, st *Staff) (uint64, ExportResult) {
	tb.Helper()
	plan, err := st.PlanExport(context.Background(), asAdmin, "x", false)
	if err != nil {
		tb.Fatal(err)
	}
	probe := &heapProbe{every: 200 * fakePhotoBytes}
	res, err := plan.WriteZIP(context.Background(), probe, copyCropper{})
	if err != nil {
		tb.Fatal(err)
	}
	return probe.peak, res
}

// TestExportMemoryDoesNotGrowWithPhotos: 5 000 photos of 60 KB (300 MB of JPEG) export
// with about the live heap of 500; what grows is the plan and the manifest, ~150 bytes
// a photo.
func TestExportMemoryDoesNotGrowWithPhotos(t *testing.T) {
	if testing.Short() {
		t.Skip("exports 5 500 photos")
	}
	small, _ := exportPeakHeap(t, approvedSchool(t, 500))
	big, res := exportPeakHeap(t, approvedSchool(t, 5000))
	if res.Exported != 5000 {
		t.Fatalf("%+v", res)
	}
	t.Logf("peak live heap: 500 photos %.1f MB, 5000 photos %.1f MB", float64(small)/(1<<20), float64(big)/(1<<20))
	if big > small+8<<20 {
		t.Fatalf("the live heap grew by %.1f MB from 500 to 5000 photos", float64(big-small)/(1<<20))
	}
}

// BenchmarkExport5000 streams 5 000 photos (storage and crop faked: the ZIP, manifest
// and marking are measured) and reports the peak live heap.
func BenchmarkExport5000(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st := approvedSchool(b, 5000)
		b.StartTimer()
		peak, res := exportPeakHeap(b, st)
		if res.Exported != 5000 {
			b.Fatalf("%+v", res)
		}
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	}
}
