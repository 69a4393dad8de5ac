package collection

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"unicode/utf8"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/audit"
	"github.com/gradphoto/gradphoto/internal/db"
	"github.com/gradphoto/gradphoto/internal/notify"
	"github.com/gradphoto/gradphoto/internal/roster"
)

// CHSIResults is what an import of 学信网's result list did. A row is counted once:
// applied (accepted, failed), already recorded (unchanged), or an error that changed
// nothing.
type CHSIResults struct {
	Accepted  int
	Failed    int
	Unchanged int
	Errors    []roster.ImportError
}

// The columns of 学信网's result list, with the header texts schools use for them.
var chsiColumns = []roster.SheetColumn{
	{Name: "学号", Headers: []string{"学号", "学生学号", "学生编号", "学籍号", "studentno"}, Required: true},
	{Name: "结果", Headers: []string{"结果", "比对结果", "核验结果", "审核结果", "校验结果", "照片比对结果", "是否通过", "result"}, Required: true},
	{Name: "原因", Headers: []string{"原因", "失败原因", "不通过原因", "未通过原因", "比对说明", "说明", "备注", "reason"}},
}

// chsiOutcomes maps the result texts to an outcome.
var chsiOutcomes = map[string]string{
	"通过": CHSIAccepted, "比对通过": CHSIAccepted, "已通过": CHSIAccepted, "成功": CHSIAccepted, "合格": CHSIAccepted,
	"是": CHSIAccepted, "pass": CHSIAccepted, "passed": CHSIAccepted, "accepted": CHSIAccepted,
	"不通过": CHSIFailed, "未通过": CHSIFailed, "比对不通过": CHSIFailed, "比对未通过": CHSIFailed, "失败": CHSIFailed,
	"不合格": CHSIFailed, "否": CHSIFailed, "fail": CHSIFailed, "failed": CHSIFailed, "rejected": CHSIFailed,
}

var chsiOutcomeText = map[string]string{CHSIAccepted: "通过", CHSIFailed: "不通过"}

// maxCHSIReason bounds a reason (it goes into an SMS).
const maxCHSIReason = 60

// resultRow is a good row of the file.
type resultRow struct {
	row       int
	studentNo string
	outcome   string
	reason    string
}

// deliveredItem is the latest batch item of a 学号, with its collection.
type deliveredItem struct {
	ID           int64
	BatchID      int64
	CollectionID string
	StudentNo    string
	CHSIResult   *string `gorm:"column:chsi_result"`
}

// ImportCHSIResults applies 学信网's result list to a school's delivered students. 通过 →
// chsi_accepted; 不通过 → chsi_failed with the reason, an SMS, and a free new photo round.
// Each result is recorded on the student's latest batch item, so importing the same
// file again changes nothing and sends nothing. A row naming a 学号 that is in none of
// the school's batches (another school's student included) is an error and changes
// nothing; a bad row never stops the good ones.
func (st *Staff) ImportCHSIResults(ctx context.Context, who audit.Actor, schoolID, filename string, data []byte) (*CHSIResults, error) {
	if err := st.requireSchool(ctx, who, schoolID); err != nil {
		return nil, err
	}
	sh, err := roster.ReadSheet(filename, data, chsiColumns)
	if err != nil {
		return nil, err
	}
	out := &CHSIResults{Errors: []roster.ImportError{}}
	rows := parseCHSIRows(sh, out)
	items, err := st.latestItems(ctx, schoolID)
	if err != nil {
		return nil, err
	}
	statuses, err := st.deliveryStatuses(ctx, schoolID)
	if err != nil {
		return nil, err
	}
	var accept []int64
	acceptCols := map[int64]string{}
	var fail []resultRow
	failItems := map[int]deliveredItem{}
	for _, r := range rows {
		it, ok := items[r.studentNo]
		if !ok {
			out.Errors = append(out.Errors, roster.ImportError{Row: r.row, Message: fmt.Sprintf("学号%s不在本校任何导出批次中，未更改", r.studentNo)})
			continue
		}
		if it.CHSIResult != nil {
			if *it.CHSIResult == r.outcome {
				out.Unchanged++
			} else {
				out.Errors = append(out.Errors, roster.ImportError{Row: r.row, Message: fmt.Sprintf("学号%s已登记学信网结果“%s”（第%d批），未更改",
					r.studentNo, chsiOutcomeText[*it.CHSIResult], it.BatchID)})
			}
			continue
		}
		if s := statuses[it.CollectionID]; s != StatusExported && s != StatusSubmitted {
			out.Errors = append(out.Errors, roster.ImportError{Row: r.row, Message: fmt.Sprintf("学号%s当前状态为“%s”，不能登记学信网结果",
				r.studentNo, StatusText(s, ""))})
			continue
		}
		if r.outcome == CHSIAccepted {
			accept = append(accept, it.ID)
			acceptCols[it.ID] = it.CollectionID
		} else {
			fail = append(fail, r)
			failItems[r.row] = it
		}
	}
	if out.Accepted, err = st.applyAccepted(ctx, accept, acceptCols); err != nil {
		return nil, err
	}
	failed, raced, err := st.applyFailed(ctx, fail, failItems)
	if err != nil {
		return nil, err
	}
	out.Failed, out.Unchanged = failed, out.Unchanged+raced
	sort.SliceStable(out.Errors, func(i, j int) bool { return out.Errors[i].Row < out.Errors[j].Row })
	st.trail.RecordBestEffort(ctx, who, audit.ActionCHSIResults, schoolID, map[string]any{
		"file": filename, "count": len(sh.Rows), "accepted": out.Accepted, "failed": out.Failed,
		"unchanged": out.Unchanged, "errors": len(out.Errors)})
	return out, nil
}

// parseCHSIRows checks every row; bad ones go to out.Errors with their Excel row number.
func parseCHSIRows(sh *roster.Sheet, out *CHSIResults) []resultRow {
	rows := make([]resultRow, 0, len(sh.Rows))
	firstSeen := make(map[string]int, len(sh.Rows))
	for i := range sh.Rows {
		n := sh.RowNums[i]
		var problems []string
		no, ok := roster.StudentNoCell(sh.Cell(i, "学号"))
		if !ok {
			problems = append(problems, "学号为空或格式不正确")
		} else if first, dup := firstSeen[no]; dup {
			problems = append(problems, fmt.Sprintf("学号%s与第%d行重复，本行未导入", no, first))
		}
		raw := sh.Cell(i, "结果")
		outcome, known := chsiOutcomes[strings.ToLower(strings.ReplaceAll(raw, " ", ""))]
		if !known {
			problems = append(problems, fmt.Sprintf("结果“%s”不正确，应为 通过 或 不通过", raw))
		}
		reason := strings.Join(strings.Fields(sh.Cell(i, "原因")), " ")
		switch {
		case outcome == CHSIFailed && reason == "":
			problems = append(problems, "结果为不通过时须填写原因（将以短信告知学生）")
		case utf8.RuneCountInString(reason) > maxCHSIReason:
			problems = append(problems, fmt.Sprintf("原因过长（不超过%d个字）", maxCHSIReason))
		}
		if len(problems) > 0 {
			out.Errors = append(out.Errors, roster.ImportError{Row: n, Message: strings.Join(problems, "；")})
			continue
		}
		firstSeen[no] = n
		if outcome == CHSIAccepted {
			reason = ""
		}
		rows = append(rows, resultRow{row: n, studentNo: no, outcome: outcome, reason: reason})
	}
	return rows
}

// latestItems maps each 学号 of the school's batches to its latest batch item.
func (st *Staff) latestItems(ctx context.Context, schoolID string) (map[string]deliveredItem, error) {
	var list []deliveredItem
	if err := db.Conn(ctx, st.s.d.DB).Model(&BatchItem{}).Select("id, batch_id, collection_id, student_no, chsi_result").
		Where("school_id = ?", schoolID).Order("batch_id, id").Scan(&list).Error; err != nil {
		return nil, apperr.Internal(fmt.Errorf("collection: batch items: %w", err))
	}
	out := make(map[string]deliveredItem, len(list))
	for _, it := range list {
		out[it.StudentNo] = it // ordered by batch: the last one wins
	}
	return out, nil
}

// deliveryStatuses are the statuses of a school's collections.
func (st *Staff) deliveryStatuses(ctx context.Context, schoolID string) (map[string]Status, error) {
	var list []struct {
		ID     string
		Status Status
	}
	if err := db.Conn(ctx, st.s.d.DB).Model(&Collection{}).Select("id, status").Where("school_id = ?", schoolID).Scan(&list).Error; err != nil {
		return nil, apperr.Internal(fmt.Errorf("collection: statuses: %w", err))
	}
	out := make(map[string]Status, len(list))
	for _, c := range list {
		out[c.ID] = c.Status
	}
	return out, nil
}

// applyAccepted records 通过 for the items, 1 000 to a transaction; an item recorded meanwhile
// (a concurrent import) is left alone, and so is its collection.
func (st *Staff) applyAccepted(ctx context.Context, ids []int64, cols map[int64]string) (int, error) {
	n := 0
	for start := 0; start < len(ids); start += 1000 {
		chunk := ids[start:min(start+1000, len(ids))]
		err := db.Tx(ctx, st.s.d.DB, func(ctx context.Context) error {
			conn := db.Conn(ctx, st.s.d.DB)
			var open []int64
			if err := db.ForUpdate(conn.Model(&BatchItem{})).Where("id IN ? AND chsi_result IS NULL", chunk).Pluck("id", &open).Error; err != nil {
				return apperr.Internal(err)
			}
			if len(open) == 0 {
				return nil
			}
			now := st.s.d.Now()
			if err := conn.Model(&BatchItem{}).Where("id IN ?", open).
				Updates(map[string]any{"chsi_result": CHSIAccepted, "chsi_at": now}).Error; err != nil {
				return apperr.Internal(err)
			}
			colIDs := make([]string, len(open))
			for i, id := range open {
				colIDs[i] = cols[id]
			}
			if err := conn.Model(&Collection{}).Where("id IN ? AND status IN ?", colIDs, []Status{StatusExported, StatusSubmitted}).
				Updates(map[string]any{"status": StatusCHSIOK, "chsi_reason": nil, "updated_at": now}).Error; err != nil {
				return apperr.Internal(err)
			}
			n += len(open)
			return nil
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// applyFailed records 不通过 for the rows' items, 200 to a transaction: each collection
// goes to chsi_failed with the reason and its student gets an SMS, in the transaction
// that records the answer. An item recorded meanwhile (a concurrent import) is counted
// unchanged.
func (st *Staff) applyFailed(ctx context.Context, rows []resultRow, items map[int]deliveredItem) (applied, unchanged int, err error) {
	for start := 0; start < len(rows); start += 200 {
		chunk := rows[start:min(start+200, len(rows))]
		err := db.Tx(ctx, st.s.d.DB, func(ctx context.Context) error {
			conn := db.Conn(ctx, st.s.d.DB)
			ids := make([]int64, len(chunk))
			colIDs := make([]string, len(chunk))
			for i, r := range chunk {
				ids[i], colIDs[i] = items[r.row].ID, items[r.row].CollectionID
			}
			var open []int64
			if err := db.ForUpdate(conn.Model(&BatchItem{})).Where("id IN ? AND chsi_result IS NULL", ids).Pluck("id", &open).Error; err != nil {
				return apperr.Internal(err)
			}
			isOpen := make(map[int64]bool, len(open))
			for _, id := range open {
				isOpen[id] = true
			}
			var cs []Collection
			if err := db.ForUpdate(conn).Where("id IN ?", colIDs).Find(&cs).Error; err != nil {
				return apperr.Internal(err)
			}
			byID := make(map[string]*Collection, len(cs))
			for i := range cs {
				byID[cs[i].ID] = &cs[i]
			}
			now := st.s.d.Now()
			for _, r := range chunk {
				it := items[r.row]
				c := byID[it.CollectionID]
				if !isOpen[it.ID] || c == nil || (c.Status != StatusExported && c.Status != StatusSubmitted) {
					unchanged++ // recorded, or moved on, meanwhile
					continue
				}
				if err := conn.Model(&BatchItem{}).Where("id = ?", it.ID).
					Updates(map[string]any{"chsi_result": CHSIFailed, "chsi_reason": r.reason, "chsi_at": now}).Error; err != nil {
					return apperr.Internal(err)
				}
				if err := conn.Model(&Collection{}).Where("id = ?", c.ID).
					Updates(map[string]any{"status": StatusCHSIFailed, "chsi_reason": r.reason, "updated_at": now}).Error; err != nil {
					return apperr.Internal(err)
				}
				if err := st.notifyCHSIFailed(ctx, c, it.ID, r.reason); err != nil {
					return err
				}
				applied++
			}
			return nil
		})
		if err != nil {
			return applied, unchanged, err
		}
	}
	return applied, unchanged, nil
}

func (st *Staff) notifyCHSIFailed(ctx context.Context, c *Collection, itemID int64, reason string) error {
	if c.Phone == "" {
		return nil
	}
	// One message per batch item: a second import of the list finds the key taken.
	return st.delivery.Outbox.Enqueue(ctx, notify.Message{IdempotencyKey: fmt.Sprintf("chsi_failed:%d:%s", itemID, notify.ChannelSMS),
		Channel: notify.ChannelSMS, Recipient: c.Phone, Template: notify.TemplateCHSIFailed,
		Params: map[string]string{notify.ParamReason: reason}, CollectionID: c.ID})
}
