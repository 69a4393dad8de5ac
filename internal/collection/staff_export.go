package collection

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"github.com/xuri/excelize/v2"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/audit"
	"github.com/gradphoto/gradphoto/internal/db"
	"github.com/gradphoto/gradphoto/internal/storage"
)

// PhotoCropper produces the 学信网 export of an approved photo (internal/photo's
// Checker.ExportCrop: 480×640 JPEG).
type PhotoCropper interface {
	ExportCrop(ctx context.Context, data []byte) ([]byte, error)
}

// Names inside an export ZIP.
const (
	ManifestName     = "manifest.csv"
	ManifestXLSXName = "manifest.xlsx"
	SkippedName      = "未导出.csv" // the approved photos that could not be exported, with the reason
	PhotoDir         = "photos/"
)

// manifestHeader are the columns of both manifests.
var manifestHeader = []string{"学号", "姓名", "层次", "采集码", "文件名", "sha256", "审核通过时间"}

// chinaTime shows times as the school reads them; a fixed zone, so that the manifest
// does not depend on the server's time-zone database.
var chinaTime = time.FixedZone("CST", 8*3600)

// ExportPlan is a batch whose ZIP is about to be written: a new one (PlanExport) or an
// existing one downloaded again (PlanDownload). It is made before the first byte of the
// answer so that refusals are still proper errors.
type ExportPlan struct {
	st       *Staff
	who      audit.Actor
	batch    *Batch
	download bool
}

// Count is how many photos the batch holds.
func (p *ExportPlan) Count() int { return p.batch.PhotoCount }

// BatchID is the batch's number.
func (p *ExportPlan) BatchID() int64 { return p.batch.ID }

// FileName is the download's suggested name (the same for every download of a batch).
func (p *ExportPlan) FileName() string {
	return fmt.Sprintf("%s-batch-%d-%s.zip", safeName(p.batch.SchoolID), p.batch.ID, p.batch.CreatedAt.In(chinaTime).Format("20060102-150405"))
}

// candidate is an approved collection an export may take.
type candidate struct {
	ID                string
	StudentNo         string
	Name              string
	Level             string
	PhotoSHA          *string `gorm:"column:photo_sha256"`
	StandardSHA       *string `gorm:"column:photo_standard_sha256"`
	CaptureCodeCipher *string
}

// PlanExport makes a new batch of a school's approved photos not in a batch yet — or,
// with all, of every approved photo (a batch to deliver again) — and moves the approved
// ones to exported. Each photo is delivered as its standard 480×640 JPEG; a photo
// approved before standardisation existed gets one cut now and stored, so the batch
// names fixed bytes. Photos that cannot be exported stay approved (the next export
// tries again) and are listed in the batch's 未导出.csv.
func (st *Staff) PlanExport(ctx context.Context, who audit.Actor, schoolID string, all bool) (*ExportPlan, error) {
	if err := st.requireSchool(ctx, who, schoolID); err != nil {
		return nil, err
	}
	statuses := []Status{StatusApproved}
	if all {
		statuses = delivered
	}
	conn := db.Conn(ctx, st.s.d.DB)
	// Only the small columns: 5 000 candidates stay a few MB.
	var cands []candidate
	err := conn.Model(&Collection{}).Select("id, student_no, name, level, photo_sha256, photo_standard_sha256, capture_code_cipher").
		Where("school_id = ? AND status IN ? AND photo_sha256 IS NOT NULL", schoolID, statuses).
		Order("student_no, id").Scan(&cands).Error
	if err != nil {
		return nil, apperr.Internal(fmt.Errorf("collection: plan export: %w", err))
	}
	approvedAt, err := st.approvalTimes(ctx, schoolID)
	if err != nil {
		return nil, err
	}
	var skipped strings.Builder
	sw := csv.NewWriter(&skipped)
	nSkipped := 0
	items := make([]BatchItem, 0, len(cands))
	for _, c := range cands {
		sha, reason := st.standardPhoto(ctx, c)
		if reason != "" {
			if nSkipped == 0 {
				skipped.WriteString("\ufeff") // Excel opens UTF-8 CSV correctly only with a BOM
				_ = sw.Write([]string{"学号", "姓名", "原因"})
			}
			nSkipped++
			_ = sw.Write([]string{cell(c.StudentNo), cell(c.Name), reason})
			continue
		}
		it := BatchItem{SchoolID: schoolID, CollectionID: c.ID, StudentNo: c.StudentNo, Name: c.Name, Level: c.Level,
			CaptureCodeCipher: c.CaptureCodeCipher, PhotoSHA256: sha}
		if t, ok := approvedAt[c.ID]; ok {
			it.ApprovedAt = &t
		}
		items = append(items, it)
	}
	sw.Flush()
	if len(items) == 0 {
		return nil, ErrNothingToExport.WithDetails(map[string]any{"skipped": nSkipped})
	}
	b := &Batch{SchoolID: schoolID, Status: BatchExported, PhotoCount: len(items), AllApproved: all, Skipped: skipped.String(),
		CreatedBy: who.Username, CreatedAt: st.s.d.Now().UTC().Truncate(time.Second)}
	err = db.Tx(ctx, st.s.d.DB, func(ctx context.Context) error {
		conn := db.Conn(ctx, st.s.d.DB)
		if err := conn.Create(b).Error; err != nil {
			return apperr.Internal(fmt.Errorf("collection: create batch: %w", err))
		}
		ids := make([]string, len(items))
		for i := range items {
			items[i].BatchID, ids[i] = b.ID, items[i].CollectionID
		}
		if err := conn.CreateInBatches(items, 500).Error; err != nil {
			return apperr.Internal(fmt.Errorf("collection: create batch items: %w", err))
		}
		for start := 0; start < len(ids); start += 500 {
			chunk := ids[start:min(start+500, len(ids))]
			if err := conn.Model(&Collection{}).Where("id IN ? AND status = ?", chunk, StatusApproved).
				Updates(map[string]any{"status": StatusExported, "updated_at": st.s.d.Now()}).Error; err != nil {
				return apperr.Internal(fmt.Errorf("collection: mark exported: %w", err))
			}
		}
		return st.trail.Record(ctx, who, audit.ActionExport, schoolID,
			map[string]any{"batch_id": b.ID, "count": len(items), "skipped": nSkipped, "all": all})
	})
	if err != nil {
		return nil, err
	}
	return &ExportPlan{st: st, who: who, batch: b}, nil
}

// PlanDownload prepares the ZIP of an existing batch, byte for byte the one first written.
func (st *Staff) PlanDownload(ctx context.Context, who audit.Actor, rawID string) (*ExportPlan, error) {
	b, err := st.loadBatch(ctx, who, rawID)
	if err != nil {
		return nil, err
	}
	return &ExportPlan{st: st, who: who, batch: b, download: true}, nil
}

// approvalTimes are the review approval times of a school's collections. A read-only
// report over the review package's table: one query instead of one call per student.
func (st *Staff) approvalTimes(ctx context.Context, schoolID string) (map[string]time.Time, error) {
	var rows []struct {
		CollectionID string
		DecidedAt    *time.Time
	}
	if err := db.Conn(ctx, st.s.d.DB).Table("review_tasks").Select("collection_id, decided_at").
		Where("school_id = ? AND status = ? AND decided_at IS NOT NULL", schoolID, "approved").Scan(&rows).Error; err != nil {
		return nil, apperr.Internal(fmt.Errorf("collection: approval times: %w", err))
	}
	out := make(map[string]time.Time, len(rows))
	for _, r := range rows {
		if t, ok := out[r.CollectionID]; !ok || r.DecidedAt.After(t) {
			out[r.CollectionID] = *r.DecidedAt
		}
	}
	return out, nil
}

// standardPhoto names the standard JPEG a candidate delivers, cutting and storing one for
// a photo approved before standardisation; a non-empty reason says why it cannot.
func (st *Staff) standardPhoto(ctx context.Context, c candidate) (string, string) {
	if c.StandardSHA != nil && *c.StandardSHA != "" {
		return *c.StandardSHA, ""
	}
	data, err := storage.ReadAll(ctx, st.s.d.Blobs, PhotoKey(*c.PhotoSHA))
	if err != nil {
		st.s.d.Log.ErrorContext(ctx, "export: read photo", "collection_id", c.ID, "err", err)
		return "", "照片文件读取失败"
	}
	jpg, err := st.delivery.Cropper.ExportCrop(ctx, data)
	if err != nil {
		st.s.d.Log.WarnContext(ctx, "export: crop photo", "collection_id", c.ID, "err", err)
		return "", "照片裁剪失败，请人工处理"
	}
	sum := sha256.Sum256(jpg)
	sha := hex.EncodeToString(sum[:])
	if err := st.s.d.Blobs.Put(ctx, StandardPhotoKey(sha), jpg); err != nil {
		st.s.d.Log.ErrorContext(ctx, "export: store standard photo", "collection_id", c.ID, "err", err)
		return "", "照片文件保存失败"
	}
	return sha, ""
}

// ExportResult tells what an export wrote.
type ExportResult struct {
	Exported int
	Skipped  int
}

// flusher is an http.ResponseWriter's Flush, without importing net/http.
type flusher interface{ Flush() }

// WriteZIP streams the batch's ZIP to w: photos/<学号>.jpg per student (read from
// storage, checked against its sha256, written and forgotten one at a time, so memory
// does not grow with the number of photos), then manifest.csv, manifest.xlsx (excelize's
// stream writer) and, if any photo could not be exported, 未导出.csv. Everything in it
// is a function of the stored batch — fixed order, fixed times — so every download of a
// batch is the same bytes. The 采集码 are decrypted only here, one row at a time.
func (p *ExportPlan) WriteZIP(ctx context.Context, w io.Writer) (ExportResult, error) {
	var res ExportResult
	var items []BatchItem
	if err := db.Conn(ctx, p.st.s.d.DB).Where("batch_id = ?", p.batch.ID).Order("student_no, id").Find(&items).Error; err != nil {
		return res, apperr.Internal(fmt.Errorf("collection: export: %w", err))
	}
	m, err := newManifest()
	if err != nil {
		return res, err
	}
	defer m.close()
	modified := p.batch.CreatedAt.UTC().Truncate(time.Second)
	zw := zip.NewWriter(w)
	for i := range items {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		it := &items[i]
		name := PhotoDir + safeName(it.StudentNo) + ".jpg"
		if err := p.writePhoto(ctx, zw, name, it.PhotoSHA256, modified); err != nil {
			return res, err
		}
		code, err := p.openCode(it)
		if err != nil {
			return res, err
		}
		approved := ""
		if it.ApprovedAt != nil {
			approved = it.ApprovedAt.In(chinaTime).Format("2006-01-02 15:04:05")
		}
		if err := m.add([]string{cell(it.StudentNo), cell(it.Name), it.Level, code, name, it.PhotoSHA256, approved}); err != nil {
			return res, err
		}
		res.Exported++
	}
	if err := m.writeTo(zw, modified); err != nil {
		return res, err
	}
	if p.batch.Skipped != "" {
		res.Skipped = skippedCount(p.batch.Skipped)
		if err := writeZIPFile(zw, SkippedName, []byte(p.batch.Skipped), modified); err != nil {
			return res, err
		}
	}
	if err := zw.Close(); err != nil {
		return res, fmt.Errorf("collection: export: %w", err)
	}
	if f, ok := w.(flusher); ok {
		f.Flush()
	}
	if p.download {
		p.st.trail.RecordBestEffort(context.WithoutCancel(ctx), p.who, audit.ActionExportDownload, p.batch.SchoolID,
			map[string]any{"batch_id": p.batch.ID, "count": res.Exported})
	}
	return res, nil
}

// writePhoto copies one stored standard photo into the ZIP, refusing bytes that are not
// the ones the batch names (the download would not be the batch any more).
func (p *ExportPlan) writePhoto(ctx context.Context, zw *zip.Writer, name, sha string, modified time.Time) error {
	jpg, err := storage.ReadAll(ctx, p.st.s.d.Blobs, StandardPhotoKey(sha))
	if err != nil {
		return fmt.Errorf("collection: export: read %s: %w", name, err)
	}
	if sum := sha256.Sum256(jpg); hex.EncodeToString(sum[:]) != sha {
		return fmt.Errorf("collection: export: %s: stored bytes do not match their sha256", name)
	}
	// JPEG does not compress further: stored, not deflated, saves CPU for nothing.
	f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: modified})
	if err == nil {
		_, err = f.Write(jpg)
	}
	if err != nil {
		return fmt.Errorf("collection: export: %w", err)
	}
	return nil
}

// openCode decrypts an item's 采集码 for its manifest row; it is never logged.
func (p *ExportPlan) openCode(it *BatchItem) (string, error) {
	if it.CaptureCodeCipher == nil {
		return "", nil
	}
	code, err := p.st.delivery.Codes.Open(*it.CaptureCodeCipher)
	if err != nil {
		return "", fmt.Errorf("collection: export: capture code of %s cannot be opened: %w", it.CollectionID, err)
	}
	return code, nil
}

// manifest collects the rows of manifest.csv (in memory: ~200 bytes a student) and
// manifest.xlsx (excelize's stream writer, which spills to a temporary file when large).
type manifest struct {
	csvBuf bytes.Buffer
	csvW   *csv.Writer
	xlsx   *excelize.File
	sheet  *excelize.StreamWriter
	row    int
}

func newManifest() (*manifest, error) {
	m := &manifest{xlsx: excelize.NewFile()}
	m.csvBuf.WriteString("\ufeff") // Excel opens UTF-8 CSV correctly only with a BOM
	m.csvW = csv.NewWriter(&m.csvBuf)
	sw, err := m.xlsx.NewStreamWriter("Sheet1")
	if err == nil {
		m.sheet = sw
		// 学号 and 采集码 are long: wide columns, so nothing shows as ####.
		err = errors.Join(sw.SetColWidth(1, 1, 16), sw.SetColWidth(4, 4, 60), sw.SetColWidth(5, 5, 24), sw.SetColWidth(6, 6, 66), sw.SetColWidth(7, 7, 20))
	}
	if err == nil {
		err = m.add(manifestHeader)
	}
	if err != nil {
		_ = m.xlsx.Close()
		return nil, fmt.Errorf("collection: export manifest: %w", err)
	}
	return m, nil
}

// add writes one row to both manifests. XLSX cells are strings, so a 学号 keeps its
// leading zeros and a 采集码 is never read as a formula.
func (m *manifest) add(rec []string) error {
	if err := m.csvW.Write(rec); err != nil {
		return fmt.Errorf("collection: export manifest: %w", err)
	}
	m.row++
	cells := make([]any, len(rec))
	for i, v := range rec {
		cells[i] = excelize.Cell{Value: v}
	}
	axis, _ := excelize.CoordinatesToCellName(1, m.row)
	if err := m.sheet.SetRow(axis, cells); err != nil {
		return fmt.Errorf("collection: export manifest: %w", err)
	}
	return nil
}

func (m *manifest) writeTo(zw *zip.Writer, modified time.Time) error {
	m.csvW.Flush()
	if err := writeZIPFile(zw, ManifestName, m.csvBuf.Bytes(), modified); err != nil {
		return err
	}
	if err := m.sheet.Flush(); err != nil {
		return fmt.Errorf("collection: export manifest: %w", err)
	}
	f, err := zw.CreateHeader(&zip.FileHeader{Name: ManifestXLSXName, Method: zip.Store, Modified: modified})
	if err == nil {
		_, err = m.xlsx.WriteTo(f) // an XLSX is a ZIP itself: stored, not deflated again
	}
	if err != nil {
		return fmt.Errorf("collection: export %s: %w", ManifestXLSXName, err)
	}
	return nil
}

func (m *manifest) close() { _ = m.xlsx.Close() }

func writeZIPFile(zw *zip.Writer, name string, content []byte, modified time.Time) error {
	f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: modified})
	if err == nil {
		_, err = f.Write(content)
	}
	if err != nil {
		return fmt.Errorf("collection: export %s: %w", name, err)
	}
	return nil
}

// skippedCount is how many students a batch's 未导出.csv lists.
func skippedCount(csvText string) int {
	if csvText == "" {
		return 0
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvText, "\ufeff"))).ReadAll()
	if err != nil || len(recs) == 0 {
		return 0
	}
	return len(recs) - 1
}

// safeName keeps a file name inside the ZIP's folder whatever a 学号 holds.
func safeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z', r == '-', r == '_':
			b.WriteRune(r)
		case r > 127 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		default:
			b.WriteRune('_')
		}
	}
	if b.Len() == 0 {
		return "_"
	}
	return b.String()
}

// cell defuses spreadsheet formulas: a cell starting with = + - @ is shown as text.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
