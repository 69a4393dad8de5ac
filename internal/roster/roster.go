// Package roster owns the school's list of graduating students (name, 学号, level,
// phone, whether 学信网 already has their photo) and the matching of what a student
// types against it.
package roster

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/db"
)

// Entry is the GORM model of table roster_entries.
type Entry struct {
	ID           int64  `gorm:"primaryKey;autoIncrement"`
	SchoolID     string `gorm:"size:40;not null"`
	StudentNo    string `gorm:"size:64;not null"`
	Name         string `gorm:"size:64;not null"`
	NameKey      string `gorm:"size:64;not null"`
	Level        string `gorm:"size:16;not null"`
	Phone        string `gorm:"size:20;not null"`
	HasCHSIPhoto bool   `gorm:"column:has_chsi_photo;not null"`
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (Entry) TableName() string { return "roster_entries" }

// Models lists the package's GORM models.
func Models() []any { return []any{&Entry{}} }

// ErrNoMatch is what a student sees when the roster has no such student. It does not
// say which field was wrong: that would help someone guess other students' numbers.
var ErrNoMatch = apperr.Rejected("student_not_found", "信息无法确认，请联系学校核实您的信息")

// NormalizeName makes names typed on different keyboards compare equal: NFKC (full-
// and half-width), no spaces, and every middle-dot variant of minority names (· • ・ ． .)
// as one "·".
func NormalizeName(s string) string {
	s = norm.NFKC.String(strings.TrimSpace(s))
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			continue
		case r == '·' || r == '•' || r == '・' || r == '.' || r == '‧' || r == '∙' || r == '⋅' || r == 'ꞏ':
			b.WriteRune('·')
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// NormalizeStudentNo trims and folds full-width digits and letters.
func NormalizeStudentNo(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(norm.NFKC.String(s)), ""))
}

// NormalizePhone keeps digits only and drops a +86/86 prefix.
func NormalizePhone(s string) string {
	var b strings.Builder
	for _, r := range norm.NFKC.String(s) {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	p := b.String()
	if len(p) == 13 && strings.HasPrefix(p, "86") {
		p = p[2:]
	}
	return p
}

// ValidPhone reports a mainland mobile number (11 digits starting with 1).
func ValidPhone(p string) bool {
	if len(p) != 11 || p[0] != '1' {
		return false
	}
	for _, r := range p {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// MaskPhone shows 138****0000.
func MaskPhone(p string) string {
	if len(p) < 7 {
		return strings.Repeat("*", len(p))
	}
	return p[:3] + "****" + p[len(p)-4:]
}

// Service reads and writes the roster.
type Service struct {
	db  *gorm.DB
	now func() time.Time
	log *slog.Logger
}

func NewService(g *gorm.DB, now func() time.Time, log *slog.Logger) *Service {
	return &Service{db: g, now: now, log: log}
}

// Claim is what a student typed to identify themselves.
type Claim struct {
	SchoolID  string
	Level     string
	Name      string
	StudentNo string
	Phone     string // normalised; empty when not given
	// MatchPhone: the school wants the phone compared with the roster's (school.MatchPhone).
	MatchPhone bool
}

// Match finds the roster entry for a claim: school, level, 学号 and name must agree. The
// phone is the student's contact number; it must agree with the roster's only where the
// school asks for it and the roster has one.
func (s *Service) Match(ctx context.Context, c Claim) (*Entry, error) {
	var e Entry
	err := db.Conn(ctx, s.db).
		Where("school_id = ? AND student_no = ?", c.SchoolID, NormalizeStudentNo(c.StudentNo)).
		Take(&e).Error
	if db.IsNotFound(err) {
		return nil, ErrNoMatch
	}
	if err != nil {
		return nil, apperr.Internal(fmt.Errorf("roster: match: %w", err))
	}
	if e.NameKey != NormalizeName(c.Name) || e.Level != c.Level {
		return nil, ErrNoMatch
	}
	if c.MatchPhone && e.Phone != "" && c.Phone != "" && e.Phone != c.Phone {
		return nil, ErrNoMatch
	}
	return &e, nil
}

// Get returns an entry by id.
func (s *Service) Get(ctx context.Context, id int64) (*Entry, error) {
	var e Entry
	err := db.Conn(ctx, s.db).Where("id = ?", id).Take(&e).Error
	if db.IsNotFound(err) {
		return nil, apperr.ErrNotFound
	}
	if err != nil {
		return nil, apperr.Internal(err)
	}
	return &e, nil
}

// Row is one student to store.
type Row struct {
	StudentNo    string
	Name         string
	Level        string
	Phone        string
	HasCHSIPhoto bool
}

// Upsert stores rows for a school, keyed by (school, 学号), in one statement per batch.
// Rows must already be validated. It reports how many were created and updated.
func (s *Service) Upsert(ctx context.Context, schoolID string, rows []Row) (created, updated int, err error) {
	return s.upsertColumns(ctx, schoolID, rows, []string{"name", "name_key", "level", "phone", "has_chsi_photo", "updated_at"})
}

// ErrEntryInvalid is a single roster entry that cannot be stored; the message lists why.
var ErrEntryInvalid = apperr.Invalid("student_invalid", "学生信息不正确")

// Put adds or corrects one roster entry of a school (keyed by 学号), with the import's
// checks; levels are the school's. created tells which it was.
func (s *Service) Put(ctx context.Context, schoolID string, levels []string, in Row) (e *Entry, created bool, err error) {
	chsi := "否"
	if in.HasCHSIPhoto {
		chsi = "是"
	}
	allowed := map[string]bool{}
	for _, l := range levels {
		allowed[l] = true
	}
	row, problems := checkRow([]string{in.Name, in.StudentNo, in.Level, in.Phone, chsi},
		[colCount]int{0, 1, 2, 3, 4}, allowed, levels)
	if len(problems) > 0 {
		return nil, false, ErrEntryInvalid.WithMessage(strings.Join(problems, "；"))
	}
	n, _, err := s.Upsert(ctx, schoolID, []Row{row})
	if err != nil {
		return nil, false, err
	}
	var out Entry
	if err := db.Conn(ctx, s.db).Where("school_id = ? AND student_no = ?", schoolID, row.StudentNo).Take(&out).Error; err != nil {
		return nil, false, apperr.Internal(fmt.Errorf("roster: put: %w", err))
	}
	return &out, n == 1, nil
}

// Find returns a school's entry by 学号 (apperr not-found when there is none).
func (s *Service) Find(ctx context.Context, schoolID, studentNo string) (*Entry, error) {
	var e Entry
	err := db.Conn(ctx, s.db).Where("school_id = ? AND student_no = ?", schoolID, NormalizeStudentNo(studentNo)).Take(&e).Error
	if db.IsNotFound(err) {
		return nil, apperr.ErrNotFound
	}
	if err != nil {
		return nil, apperr.Internal(err)
	}
	return &e, nil
}
