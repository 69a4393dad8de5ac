package usecase

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/audit"
	"github.com/gradphoto/gradphoto/internal/collection"
	"github.com/gradphoto/gradphoto/internal/db"
	"github.com/gradphoto/gradphoto/internal/notify"
	"github.com/gradphoto/gradphoto/internal/roster"
)

// SchoolAdmin is what a school's administrator (and admins) do for the school's
// students. Everything is scoped: another school's ids answer 404.
type SchoolAdmin struct{ d Deps }

// SchoolStats are a school's numbers: its students by status, what was paid, and the
// reviews past their deadline.
type SchoolStats struct {
	collection.SchoolStats
	OverdueReviews int64
}

// Stats counts the school's students by status and its overdue reviews.
func (u *SchoolAdmin) Stats(ctx context.Context, who audit.Actor, schoolID string) (*SchoolStats, error) {
	st, err := u.d.Staff.Stats(ctx, who, schoolID)
	if err != nil {
		return nil, err
	}
	n, err := u.d.Reviews.OverdueCount(ctx, schoolID)
	if err != nil {
		return nil, err
	}
	return &SchoolStats{SchoolStats: *st, OverdueReviews: n}, nil
}

// StudentInput adds or corrects one roster entry.
type StudentInput struct {
	Name         string
	Level        string
	Phone        string
	HasCHSIPhoto bool
}

// PutStudent adds or corrects one roster entry without a file; a collection the
// student already opened takes the corrected name, level and 学信网-photo flag. Stored
// and audited in one transaction.
func (u *SchoolAdmin) PutStudent(ctx context.Context, who audit.Actor, schoolID, studentNo string, in StudentInput) (*roster.Entry, bool, error) {
	sc, err := requireSchool(ctx, u.d, who, schoolID)
	if err != nil {
		return nil, false, err
	}
	var e *roster.Entry
	var created bool
	err = db.Tx(ctx, u.d.DB, func(ctx context.Context) error {
		e, created, err = u.d.Roster.Put(ctx, sc.ID, sc.Levels(), roster.Row{
			StudentNo: studentNo, Name: in.Name, Level: in.Level, Phone: in.Phone, HasCHSIPhoto: in.HasCHSIPhoto})
		if err != nil {
			return err
		}
		if err := u.d.Collections.RosterCorrected(ctx, e); err != nil {
			return err
		}
		return u.d.Trail.Record(ctx, who, audit.ActionRosterEntryPut, sc.ID+"/"+e.StudentNo, map[string]any{
			"created": created, "name": e.Name, "level": e.Level, "phone": roster.MaskPhone(e.Phone), "has_chsi_photo": e.HasCHSIPhoto})
	})
	if err != nil {
		return nil, false, apperr.As(err)
	}
	return e, created, nil
}

// StudentsXLSX writes a school's students of a list status (empty: all; also
// not_started and unpaid) as an Excel workbook, phones masked; the download is audited.
// It returns how many students the list holds.
func (u *SchoolAdmin) StudentsXLSX(ctx context.Context, who audit.Actor, schoolID, status string, w io.Writer) (int, error) {
	rows, err := u.d.Staff.AllStudents(ctx, who, schoolID, status)
	if err != nil {
		return 0, err
	}
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "学生名单"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return 0, apperr.Internal(err)
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return 0, apperr.Internal(err)
	}
	if err := sw.SetRow("A1", []any{"学号", "姓名", "层次", "手机号", "已有学信网照片", "状态", "更新时间"}); err != nil {
		return 0, apperr.Internal(err)
	}
	for i, r := range rows {
		label := collection.StatusText(r.Status, "")
		if r.Status == collection.StatusCHSIFailed {
			label = "学信网比对未通过"
		}
		if label == "" {
			label = string(r.Status)
		}
		chsi, updated := "否", ""
		if r.AlreadyHasCHSIPhoto {
			chsi = "是"
		}
		if r.UpdatedAt != nil {
			updated = r.UpdatedAt.UTC().Add(8 * 3600e9).Format("2006-01-02 15:04") // China time
		}
		cell := "A" + strconv.Itoa(i+2)
		// The 学号 stays text: Excel would turn 2019010001 into a number and long ones into 2.019E+09.
		if err := sw.SetRow(cell, []any{r.StudentNo, r.Name, r.Level, r.PhoneMasked, chsi, label, updated}); err != nil {
			return 0, apperr.Internal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		return 0, apperr.Internal(err)
	}
	if err := u.d.Trail.Record(ctx, who, audit.ActionStudentList, schoolID, map[string]any{"status": status, "count": len(rows)}); err != nil {
		return 0, err
	}
	if _, err := f.WriteTo(w); err != nil {
		return len(rows), apperr.ErrUnavailable.Wrap(fmt.Errorf("write student list: %w", err))
	}
	return len(rows), nil
}

// reminderActions say, per status a reminder may go to, what the student still has to do.
var reminderActions = map[string]string{
	string(collection.StatusNotStarted): "您尚未开始学信网图像采集",
	string(collection.StatusUnpaid):     "您的学信网图像采集尚未完成支付",
	string(collection.StatusRejected):   "您的照片审核未通过，请重新上传照片",
}

// ErrReminderStatus refuses a reminder to any other status.
var ErrReminderStatus = apperr.Invalid("reminder_status_invalid", "提醒对象只能是：未开始（not_started）、未支付（unpaid）或审核未通过（rejected）").
	WithDetails(map[string]any{"field": "status"})

// Reminders counts a reminder run: SMS queued, and students passed over (no phone, or
// already reminded today).
type Reminders struct {
	Sent    int
	Skipped int
}

// Remind sends one SMS, through the outbox, to every student of the school in status
// who has a phone — at most one a day each, whoever asks: the outbox's unique key
// (school reminder, roster entry, China day) decides atomically on every database.
// The run is audited with its counts.
func (u *SchoolAdmin) Remind(ctx context.Context, who audit.Actor, schoolID, status string) (*Reminders, error) {
	action, ok := reminderActions[status]
	if !ok {
		return nil, ErrReminderStatus
	}
	sc, err := requireSchool(ctx, u.d, who, schoolID)
	if err != nil {
		return nil, err
	}
	rs, err := u.d.Staff.Recipients(ctx, who, sc.ID, status)
	if err != nil {
		return nil, err
	}
	day := chinaDay(u.d.Now())
	out := &Reminders{}
	// Queued and audited in one transaction: the trail's counts are what was queued.
	err = db.Tx(ctx, u.d.DB, func(ctx context.Context) error {
		for _, r := range rs {
			if r.Phone == "" {
				out.Skipped++
				continue
			}
			queued, err := u.d.Outbox.EnqueueNew(ctx, notify.Message{
				IdempotencyKey: "reminder:" + strconv.FormatInt(r.RosterEntryID, 10) + ":" + day,
				Channel:        notify.ChannelSMS, Recipient: r.Phone, Template: notify.TemplateReminder,
				Params:       map[string]string{notify.ParamSchool: sc.Name, notify.ParamStep: action},
				CollectionID: r.CollectionID,
			})
			if err != nil {
				return apperr.Internal(err)
			}
			if queued {
				out.Sent++
			} else {
				out.Skipped++
			}
		}
		return u.d.Trail.Record(ctx, who, audit.ActionReminders, sc.ID, map[string]any{"status": status, "sent": out.Sent, "skipped": out.Skipped})
	})
	if err != nil {
		return nil, apperr.As(err)
	}
	return out, nil
}
