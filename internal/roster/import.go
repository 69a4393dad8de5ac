package roster

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm/clause"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/audit"
	"github.com/gradphoto/gradphoto/internal/db"
)

// ImportBatchSize is how many rows one transaction stores: big enough to be fast on
// SQLite, small enough that a MySQL transaction stays short.
const ImportBatchSize = 1000

// SchoolLevels tells the education levels a school offers (internal/school, through
// an adapter), so that rows of another level are refused.
type SchoolLevels interface {
	SchoolLevels(ctx context.Context, schoolID string) ([]string, error)
}

// Importer loads roster files for staff: scope check, parsing, batched upserts, audit.
type Importer struct {
	roster  *Service
	schools SchoolLevels
	trail   *audit.Log
}

// NewImporter builds the importer.
func NewImporter(r *Service, schools SchoolLevels, trail *audit.Log) *Importer {
	return &Importer{roster: r, schools: schools, trail: trail}
}

// ImportResult is the answer of an import.
type ImportResult struct {
	Created int
	Updated int
	Errors  []ImportError
}

// Progress is told how many of the good rows are stored.
type Progress func(done, total int)

// Import stores a roster file for a school the actor may see. Each batch of good rows
// is one transaction; bad rows are reported with their row number and never stop the
// good ones. A failure of the database stops the import: the batches already stored
// stay stored (importing the same file again is safe, rows are keyed by 学号).
func (im *Importer) Import(ctx context.Context, who audit.Actor, schoolID, filename string, data []byte, progress Progress) (*ImportResult, error) {
	if err := who.RequireSchool(schoolID); err != nil {
		return nil, err
	}
	levels, err := im.schools.SchoolLevels(ctx, schoolID)
	if err != nil {
		return nil, err
	}
	parsed, err := ParseRoster(filename, data, levels)
	if err != nil {
		return nil, err
	}
	res := &ImportResult{Errors: parsed.Errors}
	if res.Errors == nil {
		res.Errors = []ImportError{}
	}
	total := len(parsed.Rows)
	if progress != nil {
		progress(0, total)
	}
	var storeErr error
	for start := 0; start < total; start += ImportBatchSize {
		end := min(start+ImportBatchSize, total)
		created, updated, err := im.roster.upsertColumns(ctx, schoolID, parsed.Rows[start:end], updateColumns(parsed))
		if err != nil {
			storeErr = err
			break
		}
		res.Created += created
		res.Updated += updated
		if progress != nil {
			progress(end, total)
		}
	}
	detail := map[string]any{"file": filename, "created": res.Created, "updated": res.Updated, "bad_rows": len(res.Errors)}
	if storeErr != nil {
		detail["failed"] = true
	}
	if err := im.trail.Record(ctx, who, audit.ActionRosterImport, schoolID, detail); err != nil {
		storeErr = errors.Join(storeErr, err)
	}
	if storeErr != nil {
		return nil, storeErr
	}
	return res, nil
}

// updateColumns are the columns an import overwrites for a known 学号: the optional
// ones only when the file has them, so that a roster without phone numbers does not
// erase the ones a previous import stored.
func updateColumns(p *Parsed) []string {
	cols := []string{"name", "name_key", "level", "updated_at"}
	if p.HasPhone {
		cols = append(cols, "phone")
	}
	if p.HasCHSI {
		cols = append(cols, "has_chsi_photo")
	}
	return cols
}

// upsertColumns is Upsert overwriting only the given columns of existing entries.
func (s *Service) upsertColumns(ctx context.Context, schoolID string, rows []Row, update []string) (created, updated int, err error) {
	if len(rows) == 0 {
		return 0, 0, nil
	}
	now := s.now()
	nos := make([]string, len(rows))
	entries := make([]Entry, len(rows))
	for i, r := range rows {
		no := NormalizeStudentNo(r.StudentNo)
		nos[i] = no
		entries[i] = Entry{SchoolID: schoolID, StudentNo: no, Name: strings.TrimSpace(norm.NFKC.String(r.Name)),
			NameKey: NormalizeName(r.Name), Level: r.Level, Phone: NormalizePhone(r.Phone),
			HasCHSIPhoto: r.HasCHSIPhoto, CreatedAt: now, UpdatedAt: now}
	}
	err = db.Tx(ctx, s.db, func(ctx context.Context) error {
		var existing int64
		if err := db.Conn(ctx, s.db).Model(&Entry{}).
			Where("school_id = ? AND student_no IN ?", schoolID, nos).Count(&existing).Error; err != nil {
			return err
		}
		updated = int(existing)
		created = len(rows) - updated
		return db.Conn(ctx, s.db).Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "school_id"}, {Name: "student_no"}},
			DoUpdates: clause.AssignmentColumns(update),
		}).CreateInBatches(entries, 500).Error
	})
	if err != nil {
		return 0, 0, apperr.Internal(fmt.Errorf("roster: import: %w", err))
	}
	return created, updated, nil
}
