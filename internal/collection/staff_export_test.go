package collection

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"path"
	"runtime"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/gradphoto/gradphoto/internal/audit"
	"github.com/gradphoto/gradphoto/internal/capturecode"
	"github.com/gradphoto/gradphoto/internal/dbtest"
	"github.com/gradphoto/gradphoto/internal/roster"
	"github.com/gradphoto/gradphoto/internal/school"
	"github.com/gradphoto/gradphoto/internal/storage"
)

const fakePhotoBytes = 60 << 10 // about a 480×640 JPEG

// fakePhoto is photo i's 60 KB, made anew on every call.
func fakePhoto(i int) []byte {
	b := make([]byte, fakePhotoBytes)
	for off := 0; off < len(b); off += 8 {
		binary.LittleEndian.PutUint64(b[off:], uint64(i)*0x9E3779B97F4A7C15^uint64(off))
	}
	return b
}

// generatedBlobs serves photo i's fresh bytes under its standard key, so that thousands
// of photos cost no disk and the only memory held is what the export itself keeps.
type generatedBlobs struct {
	storage.Blobs
	bySHA map[string]int
}

func (g generatedBlobs) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	i, ok := g.bySHA[strings.TrimSuffix(path.Base(key), ".jpg")]
	if !ok {
		return nil, storage.ErrNotFound
	}
	return io.NopCloser(bytes.NewReader(fakePhoto(i))), nil
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

// rosterSchool makes school "x" on SQLite with n roster students (学号 X000000…) and the
// WeChat user "u" their collections belong to; the roster comes in 学号 order.
func rosterSchool(tb testing.TB, n int) testSchool {
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
	for start := 0; start < n; start += roster.ImportBatchSize {
		if _, _, err := rs.Upsert(ctx, "x", rows[start:min(start+roster.ImportBatchSize, n)]); err != nil {
			tb.Fatal(err)
		}
	}
	t0 := now()
	if err := g.Exec("INSERT INTO users (id, openid, unionid, created_at, last_login_at) VALUES ('u', 'o', '', ?, ?)", t0, t0).Error; err != nil {
		tb.Fatal(err)
	}
	var entries []roster.Entry
	if err := g.Where("school_id = ?", "x").Order("student_no").Find(&entries).Error; err != nil {
		tb.Fatal(err)
	}
	return testSchool{g: g, now: now, schools: schools, roster: rs, entries: entries}
}

type testSchool struct {
	g       *gorm.DB
	now     func() time.Time
	schools *school.Service
	roster  *roster.Service
	entries []roster.Entry
}

// approvedSchool makes school "x" with n approved collections, each with a standard
// photo and a sealed 采集码 of 100 characters (the manifest's widest column).
func approvedSchool(tb testing.TB, n int) *Staff {
	tb.Helper()
	ts := rosterSchool(tb, n)
	g, entries, now, schools, rs := ts.g, ts.entries, ts.now, ts.schools, ts.roster
	t0 := now()
	sealer := testSealer(tb)
	cs := make([]Collection, len(entries))
	blobs := generatedBlobs{bySHA: make(map[string]int, n)}
	for i, e := range entries {
		sum := sha256.Sum256(fakePhoto(i))
		std := hex.EncodeToString(sum[:])
		blobs.bySHA[std] = i
		orig := fmt.Sprintf("%064x", i)
		sealed, err := sealer.Seal(fmt.Sprintf("CHSI:%096d", i))
		if err != nil {
			tb.Fatal(err)
		}
		cs[i] = Collection{ID: fmt.Sprintf("c_%06d", i), UserID: "u", SchoolID: "x", RosterEntryID: e.ID, Level: e.Level, Name: e.Name,
			StudentNo: e.StudentNo, Status: StatusApproved, PhotoSHA256: &orig, PhotoStandardSHA256: &std, CaptureCodeCipher: &sealed,
			CreatedAt: t0, UpdatedAt: t0}
	}
	if err := g.Session(&gorm.Session{CreateBatchSize: 500}).Create(&cs).Error; err != nil {
		tb.Fatal(err)
	}
	s := NewService(Deps{DB: g, Schools: schools, Roster: rs, Blobs: blobs, Now: now, Log: dbtest.Discard()})
	return NewStaff(s, audit.NewLog(g, now, dbtest.Discard()), Delivery{Codes: sealer, Cropper: fakeCropper{}, Outbox: &recordingOutbox{}})
}

func testSealer(tb testing.TB) *capturecode.Sealer {
	s, err := capturecode.NewSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func exportPeakHeap(tb testing.TB, st *Staff) (uint64, ExportResult) {
	tb.Helper()
	runtime.GC()
	plan, err := st.PlanExport(context.Background(), asAdmin, "x", false)
	if err != nil {
		tb.Fatal(err)
	}
	probe := &heapProbe{every: 200 * fakePhotoBytes}
	res, err := plan.WriteZIP(context.Background(), probe)
	if err != nil {
		tb.Fatal(err)
	}
	return probe.peak, res
}

// TestExportMemoryDoesNotGrowWithPhotos: 5 000 photos of 60 KB (300 MB of JPEG) with
// both manifests export with about the live heap of 500; what grows is the batch's
// rows and the manifests, a few hundred bytes a photo.
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
	if big > small+16<<20 {
		t.Fatalf("the live heap grew by %.1f MB from 500 to 5000 photos", float64(big-small)/(1<<20))
	}
}

// BenchmarkExport5000 makes a batch of 5 000 photos and streams its ZIP with both
// manifests (storage faked: the batch, ZIP, manifests and 采集码 decryption are measured)
// and reports the peak live heap (target ≤ 64 MB).
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
