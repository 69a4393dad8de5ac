package collection

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

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

// ManifestName is the name of the list inside an export ZIP.
const ManifestName = "manifest.csv"

// SkippedName lists, inside an export ZIP, the photos that could not be exported.
const SkippedName = "未导出.csv"

// ExportPlan is an export decided but not yet written: which collections go into the
// ZIP. It is made before the first byte of the answer so that refusals are still
// proper errors.
type ExportPlan struct {
	st       *Staff
	who      audit.Actor
	schoolID string
	all      bool
	items    []exportItem
}

type exportItem struct {
	ID        string
	StudentNo string
	Name      string
	Level     string
	PhotoSHA  *string `gorm:"column:photo_sha256"`
}

// PlanExport selects a school's approved photos not exported yet, or with all also the
// ones exported before (a lost download can be repeated).
func (st *Staff) PlanExport(ctx context.Context, who audit.Actor, schoolID string, all bool) (*ExportPlan, error) {
	if err := st.requireSchool(ctx, who, schoolID); err != nil {
		return nil, err
	}
	statuses := []Status{StatusApproved}
	if all {
		statuses = append(statuses, StatusExported)
	}
	p := &ExportPlan{st: st, who: who, schoolID: schoolID, all: all}
	// Only the small columns: the plan of 5 000 photos stays a few hundred KB.
	err := db.Conn(ctx, st.s.d.DB).Model(&Collection{}).Select("id, student_no, name, level, photo_sha256").
		Where("school_id = ? AND status IN ? AND photo_sha256 IS NOT NULL", schoolID, statuses).
		Order("student_no").Scan(&p.items).Error
	if err != nil {
		return nil, apperr.Internal(fmt.Errorf("collection: plan export: %w", err))
	}
	return p, nil
}

// Count is how many photos the plan holds.
func (p *ExportPlan) Count() int { return len(p.items) }

// FileName is the download's suggested name.
func (p *ExportPlan) FileName(now time.Time) string {
	return fmt.Sprintf("%s-photos-%s.zip", safeName(p.schoolID), now.Format("20060102-150405"))
}

// ExportResult tells what an export wrote.
type ExportResult struct {
	Exported int
	Skipped  int
}

// flusher is an http.ResponseWriter's Flush, without importing net/http.
type flusher interface{ Flush() }

// WriteZIP streams the ZIP to w: one <学号>.jpg per photo (read from storage, cropped,
// written and forgotten one at a time, so memory does not grow with the number of
// photos), then manifest.csv (学号, 姓名, 层次, sha256 of the exported JPEG) and, if any
// photo could not be exported, 未导出.csv with the reason. Only after the whole ZIP was
// written are its photos marked exported: a download that breaks off marks nothing,
// and ?all=1 repeats one that broke after the last byte.
func (p *ExportPlan) WriteZIP(ctx context.Context, w io.Writer, crop PhotoCropper) (ExportResult, error) {
	var res ExportResult
	zw := zip.NewWriter(w)
	var manifest, skipped strings.Builder
	mw, sw := csv.NewWriter(&manifest), csv.NewWriter(&skipped)
	manifest.WriteString("\ufeff") // Excel opens UTF-8 CSV correctly only with a BOM
	skipped.WriteString("\ufeff")
	_ = mw.Write([]string{"学号", "姓名", "层次", "sha256"})
	_ = sw.Write([]string{"学号", "姓名", "原因"})
	done := make([]string, 0, len(p.items))
	modified := p.st.s.d.Now()
	for _, it := range p.items {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		jpg, reason := p.exportOne(ctx, it, crop)
		if reason != "" {
			res.Skipped++
			_ = sw.Write([]string{cell(it.StudentNo), cell(it.Name), reason})
			continue
		}
		// JPEG does not compress further: stored, not deflated, saves CPU for nothing.
		f, err := zw.CreateHeader(&zip.FileHeader{Name: safeName(it.StudentNo) + ".jpg", Method: zip.Store, Modified: modified})
		if err != nil {
			return res, fmt.Errorf("collection: export: %w", err)
		}
		if _, err := f.Write(jpg); err != nil {
			return res, fmt.Errorf("collection: export: %w", err)
		}
		sum := sha256.Sum256(jpg)
		_ = mw.Write([]string{cell(it.StudentNo), cell(it.Name), it.Level, hex.EncodeToString(sum[:])})
		done = append(done, it.ID)
		res.Exported++
	}
	mw.Flush()
	sw.Flush()
	if err := writeZIPFile(zw, ManifestName, manifest.String(), modified); err != nil {
		return res, err
	}
	if res.Skipped > 0 {
		if err := writeZIPFile(zw, SkippedName, skipped.String(), modified); err != nil {
			return res, err
		}
	}
	if err := zw.Close(); err != nil {
		return res, fmt.Errorf("collection: export: %w", err)
	}
	if f, ok := w.(flusher); ok {
		f.Flush()
	}
	// The answer is complete; the marking must not depend on the client staying.
	mctx := context.WithoutCancel(ctx)
	err := db.Tx(mctx, p.st.s.d.DB, func(ctx context.Context) error {
		for _, id := range done {
			if err := p.st.s.MarkExported(ctx, id); err != nil {
				return err
			}
		}
		return nil
	})
	detail := map[string]any{"exported": res.Exported, "skipped": res.Skipped, "all": p.all}
	if err != nil {
		detail["mark_failed"] = true
	}
	p.st.trail.RecordBestEffort(mctx, p.who, audit.ActionExport, p.schoolID, detail)
	if err != nil {
		return res, fmt.Errorf("collection: mark exported: %w", err)
	}
	return res, nil
}

// exportOne reads and crops one photo; a non-empty reason says why it was skipped.
func (p *ExportPlan) exportOne(ctx context.Context, it exportItem, crop PhotoCropper) ([]byte, string) {
	if it.PhotoSHA == nil {
		return nil, "没有照片"
	}
	data, err := storage.ReadAll(ctx, p.st.s.d.Blobs, PhotoKey(*it.PhotoSHA))
	if err != nil {
		p.st.s.d.Log.ErrorContext(ctx, "export: read photo", "collection_id", it.ID, "err", err)
		return nil, "照片文件读取失败"
	}
	jpg, err := crop.ExportCrop(ctx, data)
	if err != nil {
		p.st.s.d.Log.WarnContext(ctx, "export: crop photo", "collection_id", it.ID, "err", err)
		return nil, "照片裁剪失败，请人工处理"
	}
	return jpg, ""
}

func writeZIPFile(zw *zip.Writer, name, content string, modified time.Time) error {
	f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: modified})
	if err == nil {
		_, err = io.WriteString(f, content)
	}
	if err != nil {
		return fmt.Errorf("collection: export %s: %w", name, err)
	}
	return nil
}

// safeName keeps a file name inside the ZIP's root whatever a 学号 holds.
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
