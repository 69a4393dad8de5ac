package collection

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/audit"
	"github.com/gradphoto/gradphoto/internal/auth"
	"github.com/gradphoto/gradphoto/internal/db"
	"github.com/gradphoto/gradphoto/internal/roster"
)

// StatusNotStarted is the status the staff lists give a roster student who has no
// collection yet (it is never stored).
const StatusNotStarted Status = "not_started"

// StatusUnpaid is the staff lists' name for students who started but have not paid
// (unconfirmed, confirmed, code_ok, photo_ok); never stored either.
const StatusUnpaid Status = "unpaid"

// unpaidStatuses are the stored statuses StatusUnpaid stands for.
var unpaidStatuses = []Status{StatusUnconfirmed, StatusConfirmed, StatusCodeOK, StatusPhotoOK}

// MaxStaffPageSize bounds one page of a staff list.
const MaxStaffPageSize = 200

var (
	ErrBadPage        = apperr.Invalid("bad_page", fmt.Sprintf("页码须为正整数，每页条数须为1至%d", MaxStaffPageSize))
	ErrBadStatus      = apperr.Invalid("bad_status", "状态筛选值不正确")
	ErrRefundApproved = apperr.Conflict("refund_after_approval", "该学生照片已审核通过，退款须由管理员操作")
	ErrLookupKey      = apperr.Invalid("lookup_key_required", "请提供且只提供一个查询条件：手机号、学号、姓名（须指定学校）或商户订单号")
)

// Staff serves school administrators and support staff: lists, statistics, exports,
// look-ups and the refund rule. Every method checks the actor's role and school scope
// itself, so that no handler can forget to.
type Staff struct {
	s        *Service
	trail    *audit.Log
	delivery Delivery
}

// NewStaff builds the staff side of the collection service.
func NewStaff(s *Service, trail *audit.Log, delivery Delivery) *Staff {
	return &Staff{s: s, trail: trail, delivery: delivery}
}

// requireSchool lets the actor through to an existing school of their scope. Scope
// comes first: another school's administrator learns nothing, not even existence.
func (st *Staff) requireSchool(ctx context.Context, who audit.Actor, schoolID string) error {
	if err := who.RequireSchool(schoolID); err != nil {
		return err
	}
	_, err := st.s.d.Schools.Get(ctx, schoolID)
	return err
}

// StudentFilter selects a page of a school's students.
type StudentFilter struct {
	Status   string // a collection status, "not_started", or empty for all
	Query    string // part of a name, or the start of a 学号
	Page     int
	PageSize int
}

// StudentRow is one roster student as a school administrator sees them.
type StudentRow struct {
	StudentNo           string
	Name                string
	Level               string
	PhoneMasked         string
	AlreadyHasCHSIPhoto bool
	Status              Status
	CollectionID        string
	UpdatedAt           *time.Time
}

// StudentPage is one page of students, ordered by 学号.
type StudentPage struct {
	Students []StudentRow
	Total    int64
	Page     int
	PageSize int
}

func (f *StudentFilter) normalise() error {
	if f.Page == 0 {
		f.Page = 1
	}
	if f.PageSize == 0 {
		f.PageSize = 50
	}
	if f.Page < 1 || f.PageSize < 1 || f.PageSize > MaxStaffPageSize || f.Page > 1_000_000 {
		return ErrBadPage
	}
	if err := checkListStatus(f.Status); err != nil {
		return err
	}
	f.Query = strings.TrimSpace(f.Query)
	if utf8.RuneCountInString(f.Query) > 32 {
		return apperr.Invalid("bad_query", "搜索内容不超过32个字")
	}
	return nil
}

// checkListStatus accepts the statuses a staff list filters by: stored ones, not_started
// and unpaid.
func checkListStatus(st string) error {
	if st != "" && st != string(StatusNotStarted) && st != string(StatusUnpaid) && !ValidStatus(st) {
		return ErrBadStatus.WithDetails(map[string]any{"allowed": append([]Status{StatusNotStarted, StatusUnpaid}, AllStatuses...)})
	}
	return nil
}

// studentsQuery selects a school's roster joined with its collections, filtered by a
// list status and a search text.
func (st *Staff) studentsQuery(ctx context.Context, schoolID, status, query string) *gorm.DB {
	q := db.Conn(ctx, st.s.d.DB).Table("roster_entries AS r").
		Joins("LEFT JOIN collections c ON c.roster_entry_id = r.id").
		Where("r.school_id = ?", schoolID)
	switch status {
	case "":
	case string(StatusNotStarted):
		q = q.Where("c.id IS NULL")
	case string(StatusUnpaid):
		q = q.Where("c.status IN ?", unpaidStatuses)
	default:
		q = q.Where("c.status = ?", status)
	}
	if query != "" {
		name := "%" + likeEscape(roster.NormalizeName(query)) + "%"
		no := likeEscape(roster.NormalizeStudentNo(query)) + "%"
		q = q.Where("(r.name_key LIKE ? ESCAPE '!' OR r.student_no LIKE ? ESCAPE '!')", name, no)
	}
	return q
}

// studentRow is what studentsQuery's select reads.
type studentRow struct {
	EntryID      int64
	StudentNo    string
	Name         string
	Level        string
	Phone        string
	HasCHSIPhoto bool `gorm:"column:has_chsi_photo"` // GORM would look for has_chs_i_photo
	CollectionID *string
	Status       *string
	CPhone       *string
	UpdatedAt    *time.Time
}

const studentColumns = "r.id AS entry_id, r.student_no, r.name, r.level, r.phone, r.has_chsi_photo, c.id AS collection_id, c.status, c.phone AS c_phone, c.updated_at"

// contact is the number to reach the student on: the one they gave (WeChat-authorised)
// once they started, else the roster's.
func (r *studentRow) contact() string {
	if r.CPhone != nil && *r.CPhone != "" {
		return *r.CPhone
	}
	return r.Phone
}

func (r *studentRow) toRow() StudentRow {
	out := StudentRow{StudentNo: r.StudentNo, Name: r.Name, Level: r.Level, AlreadyHasCHSIPhoto: r.HasCHSIPhoto,
		Status: StatusNotStarted, UpdatedAt: r.UpdatedAt}
	if r.CollectionID != nil && r.Status != nil {
		out.CollectionID, out.Status = *r.CollectionID, Status(*r.Status)
	}
	phone := r.Phone // the school's own record first, as the school knows the student
	if phone == "" {
		phone = r.contact()
	}
	if phone != "" {
		out.PhoneMasked = roster.MaskPhone(phone)
	}
	return out
}

// MaxStudentList bounds one Excel list of a school's students.
const MaxStudentList = 100_000

// AllStudents is the whole (filtered) list of a school's students, for the Excel
// download; phones masked as in ListStudents.
func (st *Staff) AllStudents(ctx context.Context, who audit.Actor, schoolID, status string) ([]StudentRow, error) {
	if err := st.requireSchool(ctx, who, schoolID); err != nil {
		return nil, err
	}
	if err := checkListStatus(status); err != nil {
		return nil, err
	}
	rows, err := st.everyStudent(ctx, schoolID, status)
	if err != nil {
		return nil, err
	}
	out := make([]StudentRow, len(rows))
	for i := range rows {
		out[i] = rows[i].toRow()
	}
	return out, nil
}

// everyStudent is a school's whole list of a status (all when empty), by student
// number, up to MaxStudentList: the Excel lists and the reminders read the same rows.
func (st *Staff) everyStudent(ctx context.Context, schoolID, status string) ([]studentRow, error) {
	var rows []studentRow
	if err := st.studentsQuery(ctx, schoolID, status, "").Select(studentColumns).Order("r.student_no").
		Limit(MaxStudentList).Scan(&rows).Error; err != nil {
		return nil, apperr.Internal(fmt.Errorf("collection: students of %s (%q): %w", schoolID, status, err))
	}
	return rows, nil
}

// Recipient is a student to send a message to.
type Recipient struct {
	RosterEntryID int64
	StudentNo     string
	Name          string
	Phone         string // empty: no number known
	CollectionID  string
}

// Recipients lists a school's students of a list status with their contact number
// (reminders); the caller is checked like every staff call.
func (st *Staff) Recipients(ctx context.Context, who audit.Actor, schoolID, status string) ([]Recipient, error) {
	if err := st.requireSchool(ctx, who, schoolID); err != nil {
		return nil, err
	}
	if status == "" {
		return nil, ErrBadStatus
	}
	if err := checkListStatus(status); err != nil {
		return nil, err
	}
	rows, err := st.everyStudent(ctx, schoolID, status)
	if err != nil {
		return nil, err
	}
	out := make([]Recipient, len(rows))
	for i, r := range rows {
		out[i] = Recipient{RosterEntryID: r.EntryID, StudentNo: r.StudentNo, Name: r.Name, Phone: r.contact()}
		if r.CollectionID != nil {
			out[i].CollectionID = *r.CollectionID
		}
	}
	return out, nil
}

// likeEscape makes user text literal inside a LIKE pattern (escape character '!').
func likeEscape(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}

// ListStudents pages through a school's roster with each student's collection status;
// phone numbers are masked.
func (st *Staff) ListStudents(ctx context.Context, who audit.Actor, schoolID string, f StudentFilter) (*StudentPage, error) {
	if err := st.requireSchool(ctx, who, schoolID); err != nil {
		return nil, err
	}
	if err := f.normalise(); err != nil {
		return nil, err
	}
	q := st.studentsQuery(ctx, schoolID, f.Status, f.Query)
	page := &StudentPage{Page: f.Page, PageSize: f.PageSize, Students: []StudentRow{}}
	if err := q.Count(&page.Total).Error; err != nil {
		return nil, apperr.Internal(fmt.Errorf("collection: count students: %w", err))
	}
	var rows []studentRow
	err := q.Select(studentColumns).Order("r.student_no").Offset((f.Page - 1) * f.PageSize).Limit(f.PageSize).Scan(&rows).Error
	if err != nil {
		return nil, apperr.Internal(fmt.Errorf("collection: list students: %w", err))
	}
	for i := range rows {
		page.Students = append(page.Students, rows[i].toRow())
	}
	return page, nil
}

// SchoolStats are a school's numbers for its administrator.
type SchoolStats struct {
	RosterTotal int64
	ByStatus    map[Status]int64
	// PaidTotalFen sums the orders that are paid (refunding and refunded ones excluded).
	PaidTotalFen int64
}

// Stats counts a school's students by status — every status, zeros included, and
// not_started for roster students without a collection — and sums what was paid.
func (st *Staff) Stats(ctx context.Context, who audit.Actor, schoolID string) (*SchoolStats, error) {
	if err := st.requireSchool(ctx, who, schoolID); err != nil {
		return nil, err
	}
	conn := func() *gorm.DB { return db.Conn(ctx, st.s.d.DB) }
	out := &SchoolStats{ByStatus: make(map[Status]int64, len(AllStatuses)+1)}
	for _, s := range AllStatuses {
		out.ByStatus[s] = 0
	}
	if err := conn().Model(&roster.Entry{}).Where("school_id = ?", schoolID).Count(&out.RosterTotal).Error; err != nil {
		return nil, apperr.Internal(fmt.Errorf("collection: stats: %w", err))
	}
	var counts []struct {
		Status Status
		N      int64
	}
	if err := conn().Model(&Collection{}).Select("status, COUNT(*) AS n").Where("school_id = ?", schoolID).
		Group("status").Scan(&counts).Error; err != nil {
		return nil, apperr.Internal(fmt.Errorf("collection: stats: %w", err))
	}
	started := int64(0)
	for _, c := range counts {
		out.ByStatus[c.Status] = c.N
		started += c.N
	}
	out.ByStatus[StatusNotStarted] = out.RosterTotal - started
	// A read-only report over the payment package's orders table: joining it here is
	// one query instead of one call per collection.
	var paid struct{ Total *int64 }
	if err := conn().Table("orders AS o").Select("SUM(o.amount_fen) AS total").
		Joins("JOIN collections c ON c.id = o.collection_id").
		Where("c.school_id = ? AND o.status = ?", schoolID, "paid").Scan(&paid).Error; err != nil {
		return nil, apperr.Internal(fmt.Errorf("collection: stats paid: %w", err))
	}
	if paid.Total != nil {
		out.PaidTotalFen = *paid.Total
	}
	return out, nil
}

// LookupKey is what support searches by: exactly one of phone, 学号 and name (an order
// number is resolved to its collection by the caller, through payment).
type LookupKey struct {
	Phone     string
	StudentNo string
	// Name (part of it, at least 2 characters) searches within SchoolID only.
	Name     string
	SchoolID string
}

// maxLookup bounds a look-up's answer: a 学号 shared by several schools, a phone
// number used by a few students.
const maxLookup = 20

// Lookup finds collections for support (and admins), across schools, and writes the
// look-up to the audit trail — support sees personal data, so every look is recorded.
func (st *Staff) Lookup(ctx context.Context, who audit.Actor, key LookupKey) ([]Collection, error) {
	if who.Role != auth.RoleSupport && who.Role != auth.RoleAdmin {
		return nil, apperr.ErrForbidden
	}
	q := db.Conn(ctx, st.s.d.DB).Model(&Collection{})
	var target string
	keys := 0
	for _, k := range []string{key.Phone, key.StudentNo, key.Name} {
		if k != "" {
			keys++
		}
	}
	if keys != 1 || (key.SchoolID != "" && key.Name == "") {
		return nil, ErrLookupKey
	}
	switch {
	case key.Name != "":
		name := roster.NormalizeName(key.Name)
		if n := utf8.RuneCountInString(name); n < 2 || n > 32 {
			return nil, apperr.Invalid("name_too_short", "按姓名查询请至少输入2个字（不超过32个字）").WithDetails(map[string]any{"field": "name"})
		}
		if key.SchoolID == "" {
			return nil, apperr.Invalid("school_required", "按姓名查询须同时指定学校").WithDetails(map[string]any{"field": "school_id"})
		}
		if _, err := st.s.d.Schools.Get(ctx, key.SchoolID); err != nil {
			return nil, err
		}
		q = q.Joins("JOIN roster_entries r ON r.id = collections.roster_entry_id").
			Where("collections.school_id = ? AND r.name_key LIKE ? ESCAPE '!'", key.SchoolID, "%"+likeEscape(name)+"%")
		target = "name:" + key.SchoolID + ":" + key.Name
	case key.Phone != "":
		p := roster.NormalizePhone(key.Phone)
		if !roster.ValidPhone(p) {
			return nil, apperr.Invalid("phone_invalid", "请填写正确的11位手机号")
		}
		q, target = q.Where("collections.phone = ?", p), "phone:"+roster.MaskPhone(p)
	case key.StudentNo != "":
		no := roster.NormalizeStudentNo(key.StudentNo)
		if len(no) > 64 {
			return nil, ErrLookupKey
		}
		q, target = q.Where("collections.student_no = ?", no), "student_no:"+no
	}
	var cs []Collection
	if err := q.Order("collections.created_at DESC").Limit(maxLookup).Find(&cs).Error; err != nil {
		return nil, apperr.Internal(fmt.Errorf("collection: lookup: %w", err))
	}
	if err := st.trail.Record(ctx, who, audit.ActionLookup, target, map[string]any{"found": len(cs)}); err != nil {
		return nil, err
	}
	return cs, nil
}

// LookupByID is Lookup for a collection found through its order.
func (st *Staff) LookupByID(ctx context.Context, who audit.Actor, id, via string) (*Collection, error) {
	if who.Role != auth.RoleSupport && who.Role != auth.RoleAdmin {
		return nil, apperr.ErrForbidden
	}
	c, err := st.s.ByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := st.trail.Record(ctx, who, audit.ActionLookup, via, map[string]any{"collection_id": id}); err != nil {
		return nil, err
	}
	return c, nil
}

// CheckRefund tells whether who may refund the collection as it stands now (support's
// look-up shows it); the refund itself decides under LockRefund.
func (st *Staff) CheckRefund(ctx context.Context, who audit.Actor, collectionID string) error {
	if err := refundRole(who); err != nil {
		return err
	}
	c, err := st.s.ByID(ctx, collectionID)
	if err != nil {
		return err
	}
	return refundRule(who, c)
}

// LockRefund locks the collection in the caller's transaction (the lock a review
// decision takes first) and applies the refund rule to it as it stands.
func (st *Staff) LockRefund(ctx context.Context, who audit.Actor, collectionID string) error {
	if err := refundRole(who); err != nil {
		return err
	}
	c, err := st.s.LockForDecision(ctx, collectionID)
	if err != nil {
		return err
	}
	return refundRule(who, c)
}

func refundRole(who audit.Actor) error {
	if who.Role != auth.RoleSupport && who.Role != auth.RoleAdmin {
		return apperr.ErrForbidden
	}
	return nil
}

// refundRule: support and admins refund; once the photo is approved (the service was
// delivered) only an admin may.
func refundRule(who audit.Actor, c *Collection) error {
	if photoApproved(c.Status) && who.Role != auth.RoleAdmin {
		return ErrRefundApproved.WithDetails(map[string]any{"collection_status": c.Status})
	}
	return nil
}
