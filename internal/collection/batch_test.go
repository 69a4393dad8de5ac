package collection

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"gorm.io/gorm"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/audit"
	"github.com/gradphoto/gradphoto/internal/dbtest"
	"github.com/gradphoto/gradphoto/internal/notify"
)

type recordingOutbox struct {
	mu   sync.Mutex
	msgs []notify.Message
}

func (o *recordingOutbox) Enqueue(ctx context.Context, m notify.Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.msgs = append(o.msgs, m)
	return nil
}

// deliveryFixture: school a's A001 (approved, with a standard 480×640 JPEG set, as
// standardisation leaves it) and A002 (approved before standardisation: its standard
// photo is cut at export) carry sealed 采集码; A004 is exported without a batch (legacy).
func deliveryFixture(t *testing.T, g *gorm.DB) (*staffFixture, *recordingOutbox, map[string]string, []byte) {
	t.Helper()
	f := newStaffFixture(t, g)
	ctx := context.Background()
	sealer := testSealer(t)
	codes := map[string]string{}
	for _, no := range []string{"A001", "A002", "B001"} {
		// A real payload may start with a formula character: it must reach 学信网 unchanged.
		codes[no] = "=CHSI:" + no + ":Zm9vYmFyLWJhei1xdXV4LTEyMzQ1Njc4OTA"
		sealed, err := sealer.Seal(codes[no])
		if err != nil {
			t.Fatal(err)
		}
		if err := g.Model(&Collection{}).Where("id = ?", f.ids[no]).Update("capture_code_cipher", sealed).Error; err != nil {
			t.Fatal(err)
		}
	}
	std := standardJPEG(t)
	sum := sha256.Sum256(std)
	sha := hex.EncodeToString(sum[:])
	if err := f.blobs.Put(ctx, StandardPhotoKey(sha), std); err != nil {
		t.Fatal(err)
	}
	if err := g.Model(&Collection{}).Where("id = ?", f.ids["A001"]).Update("photo_standard_sha256", sha).Error; err != nil {
		t.Fatal(err)
	}
	// A001's approval, as review records it (a read-only input of the manifest).
	decided := time.Date(2026, 6, 1, 2, 3, 4, 0, time.UTC)
	if err := g.Exec(`INSERT INTO review_tasks (collection_id, round, school_id, status, paid_at, deadline, decided_by, decided_at, reasons, note, created_at, updated_at)
		VALUES (?, 1, 'a', 'approved', ?, ?, 'rev', ?, '[]', '', ?, ?)`, f.ids["A001"], decided, decided, decided, decided, decided).Error; err != nil {
		t.Fatal(err)
	}
	out := &recordingOutbox{}
	f.staff = NewStaff(f.svc, f.trail, Delivery{Codes: sealer, Cropper: fakeCropper{fail: "A005"}, Outbox: out})
	return f, out, codes, std
}

// standardJPEG is a real 480×640 JPEG, as standardisation stores it.
func standardJPEG(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 480, 640))
	for y := 0; y < 640; y++ {
		for x := 0; x < 480; x++ {
			img.Set(x, y, color.RGBA{uint8(x / 2), 120, uint8(y / 3), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeZIP(t *testing.T, p *ExportPlan) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := p.WriteZIP(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func csvRows(t *testing.T, b []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("\ufeff")) {
		t.Fatal("manifest.csv has no BOM")
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func xlsxRows(t *testing.T, b []byte) [][]string {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	sheet := x.GetSheetList()[0]
	rows, err := x.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if formula, _ := x.GetCellFormula(sheet, "D2"); formula != "" {
		t.Fatalf("the 采集码 became a formula: %q", formula)
	}
	for i := range rows { // GetRows drops empty trailing cells
		for len(rows[i]) < len(manifestHeader) {
			rows[i] = append(rows[i], "")
		}
	}
	return rows
}

func TestExportBatches(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, g *gorm.DB) {
		f, _, codes, std := deliveryFixture(t, g)
		ctx := context.Background()

		plan, err := f.staff.PlanExport(ctx, asSchoolA, "a", false)
		if err != nil || plan.Count() != 2 {
			t.Fatalf("plan %v %v", plan, err)
		}
		if f.status(t, "A001") != StatusExported || f.status(t, "A002") != StatusExported || f.status(t, "A003") != StatusInReview {
			t.Fatal("the batch's students are not exported")
		}
		first := writeZIP(t, plan)
		files := readZIP(t, first)
		if !bytes.Equal(files["photos/A001.jpg"], std) {
			t.Fatal("A001's delivered photo is not its standard JPEG")
		}
		if img, err := jpeg.Decode(bytes.NewReader(files["photos/A001.jpg"])); err != nil || img.Bounds().Dx() != 480 || img.Bounds().Dy() != 640 {
			t.Fatalf("A001.jpg: %v", err)
		}
		if string(files["photos/A002.jpg"]) != "JPEG:photo of A002" {
			t.Fatalf("A002 (approved before standardisation) gets a cut: %q", files["photos/A002.jpg"])
		}
		sha := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
		want := [][]string{manifestHeader,
			{"A001", "张三", "本科", codes["A001"], "photos/A001.jpg", sha(std), "2026-06-01 10:03:04"},
			{"A002", "李四", "本科", codes["A002"], "photos/A002.jpg", sha(files["photos/A002.jpg"]), ""}}
		if got := csvRows(t, files[ManifestName]); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("manifest.csv\n%v\nwant\n%v", got, want)
		}
		if got := xlsxRows(t, files[ManifestXLSXName]); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("manifest.xlsx\n%v\nwant\n%v", got, want)
		}
		if len(files) != 4 {
			t.Fatalf("files %v", keys(files))
		}

		// Downloaded again: the same bytes. Another school's administrator: not found.
		id := strconv.FormatInt(plan.BatchID(), 10)
		again, err := f.staff.PlanDownload(ctx, asSchoolA, id)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(writeZIP(t, again), first) {
			t.Fatal("the batch downloaded again is not byte for byte the first")
		}
		for _, bad := range []struct {
			who audit.Actor
			id  string
		}{{asSchoolB, id}, {asSupport, id}, {asSchoolA, "x"}, {asSchoolA, "0"}, {asAdmin, "999999"}} {
			if _, err := f.staff.PlanDownload(ctx, bad.who, bad.id); !errors.Is(err, ErrBatchNotFound) {
				t.Errorf("%s downloads batch %q: %v", bad.who.Username, bad.id, err)
			}
		}
		// A download that breaks off changes nothing: the batch is still there, the same.
		again, _ = f.staff.PlanDownload(ctx, asAdmin, id)
		if _, err := again.WriteZIP(ctx, &brokenWriter{n: 100}); err == nil {
			t.Fatal("a broken stream should fail")
		}

		// Nothing new; A005's photo cannot be cut: still nothing, and A005 stays approved.
		if _, err := f.staff.PlanExport(ctx, asSchoolA, "a", false); !errors.Is(err, ErrNothingToExport) {
			t.Fatalf("second export: %v", err)
		}
		f.addCollection(t, "a", "A005", "13800000005", StatusApproved)
		if _, err := f.staff.PlanExport(ctx, asSchoolA, "a", false); !errors.Is(err, ErrNothingToExport) || f.status(t, "A005") != StatusApproved {
			t.Fatalf("export of an uncuttable photo: %v", err)
		}
		// all=1: every approved photo again (A004 exported before batches existed), A005 listed as not exported.
		all, err := f.staff.PlanExport(ctx, asSchoolA, "a", true)
		if err != nil || all.Count() != 3 {
			t.Fatalf("all=1: %v", err)
		}
		files = readZIP(t, writeZIP(t, all))
		if files["photos/A004.jpg"] == nil || !strings.Contains(string(files[SkippedName]), "A005") || files["photos/A005.jpg"] != nil {
			t.Fatalf("all=1 files %v", keys(files))
		}
		if f.status(t, "A004") != StatusExported {
			t.Fatal("all=1 changed a status")
		}

		list, err := f.staff.ListBatches(ctx, asSchoolA, "a")
		if err != nil || len(list) != 2 || list[0].ID != all.BatchID() || list[0].Count != 3 || list[0].Skipped != 1 ||
			list[1].Count != 2 || list[1].Status != BatchExported || list[1].CreatedBy != "sa" {
			t.Fatalf("batches %+v %v", list, err)
		}
		if _, err := f.staff.ListBatches(ctx, asSchoolB, "a"); !errors.Is(err, audit.ErrOutOfScope) {
			t.Fatalf("another school's batches: %v", err)
		}
		for action, n := range map[string]int64{audit.ActionExport: 2, audit.ActionExportDownload: 1} {
			page, err := f.trail.List(ctx, asAdmin, audit.Filter{Action: action})
			if err != nil || page.Total != n {
				t.Fatalf("audit %s: %+v %v", action, page, err)
			}
			if strings.Contains(fmt.Sprint(page.Entries), "CHSI:") {
				t.Fatal("a 采集码 reached the audit trail")
			}
		}
	})
}

// gb18030 is a CSV as Excel saves it in a Chinese locale.
func gb18030(t *testing.T, s string) []byte {
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSubmittedAndCHSIResults(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, g *gorm.DB) {
		f, out, _, _ := deliveryFixture(t, g)
		ctx := context.Background()
		plan, err := f.staff.PlanExport(ctx, asSchoolA, "a", false)
		if err != nil {
			t.Fatal(err)
		}
		id := strconv.FormatInt(plan.BatchID(), 10)
		if _, err := f.staff.MarkSubmitted(ctx, asSchoolB, id); !errors.Is(err, ErrBatchNotFound) {
			t.Fatalf("another school marks the batch: %v", err)
		}
		for range 2 { // the second time changes nothing
			b, err := f.staff.MarkSubmitted(ctx, asSchoolA, id)
			if err != nil || b.Status != BatchSubmitted || b.SubmittedBy != "sa" || b.SubmittedAt == nil {
				t.Fatalf("submitted: %+v %v", b, err)
			}
		}
		if f.status(t, "A001") != StatusSubmitted || f.status(t, "A002") != StatusSubmitted || f.status(t, "A004") != StatusExported {
			t.Fatal("statuses after submitted")
		}

		// 学信网's list, saved by Excel as GB18030 with a title row and its own headers.
		file := gb18030(t, "学信网照片比对结果\n学生学号,比对结果,失败原因\n"+
			"A001,通过,\n"+ // row 3
			"A002,不通过,与身份证照片比对不一致\n"+ // row 4
			"A003,通过,\n"+ // row 5: in review, in no batch
			"B001,通过,\n"+ // row 6: another school's student
			"A001,通过,\n"+ // row 7: repeated
			"A009,待定,\n"+ // row 8: unknown result (and student)
			"A002a,不通过,\n") // row 9: bad 学号, no reason
		res, err := f.staff.ImportCHSIResults(ctx, asSchoolA, "a", "结果.csv", file)
		if err != nil {
			t.Fatal(err)
		}
		var rows []int
		for _, e := range res.Errors {
			rows = append(rows, e.Row)
		}
		if res.Accepted != 1 || res.Failed != 1 || res.Unchanged != 0 || fmt.Sprint(rows) != "[5 6 7 8 9]" {
			t.Fatalf("import: %+v", res)
		}
		if f.status(t, "A001") != StatusCHSIOK || f.status(t, "A002") != StatusCHSIFailed || f.status(t, "A003") != StatusInReview {
			t.Fatal("statuses after the results")
		}
		if len(out.msgs) != 1 || out.msgs[0].Recipient != "13800000002" || out.msgs[0].Template != notify.TemplateCHSIFailed ||
			!strings.Contains(notify.Render(out.msgs[0].Template, out.msgs[0].Params), "学信网比对未通过：与身份证照片比对不一致，请登录小程序重新上传照片") {
			t.Fatalf("SMS %+v", out.msgs)
		}
		c, err := f.svc.ByID(ctx, f.ids["A002"])
		if err != nil || c.StatusText() != "学信网比对未通过：与身份证照片比对不一致，请重新上传照片" || NextStep(c.Status) != "reupload_photo" {
			t.Fatalf("collection %+v %v", c, err)
		}

		// The same file again changes nothing and sends nothing.
		res2, err := f.staff.ImportCHSIResults(ctx, asSchoolA, "a", "结果.csv", file)
		if err != nil || res2.Accepted != 0 || res2.Failed != 0 || res2.Unchanged != 2 || len(res2.Errors) != 5 || len(out.msgs) != 1 {
			t.Fatalf("second import: %+v %v (%d SMS)", res2, err, len(out.msgs))
		}
		// An XLSX contradicting a recorded result is a row error.
		x := excelize.NewFile()
		_ = x.SetSheetRow("Sheet1", "A1", &[]any{"学号", "结果"})
		_ = x.SetSheetRow("Sheet1", "A2", &[]any{"A002", "通过"})
		var xb bytes.Buffer
		_ = x.Write(&xb)
		res3, err := f.staff.ImportCHSIResults(ctx, asSchoolA, "a", "r.xlsx", xb.Bytes())
		if err != nil || len(res3.Errors) != 1 || res3.Errors[0].Row != 2 || f.status(t, "A002") != StatusCHSIFailed {
			t.Fatalf("contradicting xlsx: %+v %v", res3, err)
		}
		// A file without the columns is refused as a whole.
		if _, err := f.staff.ImportCHSIResults(ctx, asSchoolA, "a", "r.csv", []byte("姓名,备注\n张三,x\n")); apperr.As(err).Code != "roster_columns_missing" {
			t.Fatalf("no columns: %v", err)
		}

		// The free new photo round: upload → in_review without an order, then approved and
		// delivered in a new batch, whose 通过 is recorded on the new batch item.
		c, err = upload(ctx, f.svc, f.reviews, "u_A002", f.ids["A002"], []byte("a better photo of A002"))
		if err != nil || c.Status != StatusInReview || c.CHSIReason != nil {
			t.Fatalf("re-upload: %+v %v", c, err)
		}
		if len(f.reviews.enqueued) != 1 || f.reviews.enqueued[0] != f.ids["A002"] {
			t.Fatalf("re-upload not queued: %v", f.reviews.enqueued)
		}
		if err := f.svc.MarkApproved(ctx, f.ids["A002"]); err != nil {
			t.Fatal(err)
		}
		second, err := f.staff.PlanExport(ctx, asSchoolA, "a", false)
		if err != nil || second.Count() != 1 {
			t.Fatalf("second batch: %v", err)
		}
		if string(readZIP(t, writeZIP(t, second))["photos/A002.jpg"]) != "JPEG:a better photo of A002" {
			t.Fatal("the new batch does not deliver the new photo")
		}
		res4, err := f.staff.ImportCHSIResults(ctx, asSchoolA, "a", "r.csv", []byte("学号,结果\nA002,通过\n"))
		if err != nil || res4.Accepted != 1 || f.status(t, "A002") != StatusCHSIOK {
			t.Fatalf("result of the new batch: %+v %v", res4, err)
		}
		list, _ := f.staff.ListBatches(ctx, asSchoolA, "a")
		if len(list) != 2 || list[1].Accepted != 1 || list[1].Failed != 1 || list[0].Accepted != 1 {
			t.Fatalf("batches %+v", list)
		}
	})
}
