package collection

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/audit"
	"github.com/gradphoto/gradphoto/internal/db"
	"github.com/gradphoto/gradphoto/internal/notify"
)

// Batch statuses.
const (
	BatchExported  = "exported"  // made (and downloadable); not yet uploaded to 学信网
	BatchSubmitted = "submitted" // the school says it uploaded the batch to 学信网
)

// 学信网's answers recorded on a batch item.
const (
	CHSIAccepted = "accepted"
	CHSIFailed   = "failed"
)

var (
	ErrBatchNotFound   = apperr.NotFound("batch_not_found", "未找到该导出批次")
	ErrNothingToExport = apperr.Conflict("nothing_to_export", "没有尚未导出的审核通过照片；已导出的批次可在批次列表中重新下载")
)

// Batch is one export to 学信网 (table export_batches). What it holds is fixed when it
// is made, so that its ZIP can be written again byte for byte.
type Batch struct {
	ID          int64  `gorm:"primaryKey;autoIncrement"`
	SchoolID    string `gorm:"size:40;not null"`
	Status      string `gorm:"size:16;not null"`
	PhotoCount  int    `gorm:"not null"`
	AllApproved bool   `gorm:"not null"`
	// Skipped is the CSV (with BOM) of the approved photos that could not be exported,
	// written into the ZIP as 未导出.csv; empty when none.
	Skipped     string `gorm:"type:text;not null"`
	CreatedBy   string `gorm:"size:64;not null"`
	CreatedAt   time.Time
	SubmittedBy *string `gorm:"size:64"`
	SubmittedAt *time.Time
}

func (Batch) TableName() string { return "export_batches" }

// BatchItem is one student of a batch (table export_batch_items): the delivered photo,
// the sealed 采集码 as it was when the batch was made, and 学信网's answer.
type BatchItem struct {
	ID                int64   `gorm:"primaryKey;autoIncrement"`
	BatchID           int64   `gorm:"not null"`
	SchoolID          string  `gorm:"size:40;not null"`
	CollectionID      string  `gorm:"size:40;not null"`
	StudentNo         string  `gorm:"size:64;not null"`
	Name              string  `gorm:"size:64;not null"`
	Level             string  `gorm:"size:16;not null"`
	CaptureCodeCipher *string `gorm:"type:text"`
	ApprovedAt        *time.Time
	// PhotoSHA256 names the delivered JPEG, stored under StandardPhotoKey.
	PhotoSHA256 string     `gorm:"column:photo_sha256;size:64;not null"`
	CHSIResult  *string    `gorm:"column:chsi_result;size:16"`
	CHSIReason  *string    `gorm:"column:chsi_reason;size:255"`
	CHSIAt      *time.Time `gorm:"column:chsi_at"`
}

func (BatchItem) TableName() string { return "export_batch_items" }

// CodeOpener decrypts a sealed 采集码 (capturecode.Sealer).
type CodeOpener interface {
	Open(sealed string) (string, error)
}

// Outbox queues student notifications in the caller's transaction (notify.Outbox).
type Outbox interface {
	Enqueue(ctx context.Context, m notify.Message) error
}

// Delivery is what the delivery to 学信网 needs besides the database and storage; all
// of it is always there.
type Delivery struct {
	Codes   CodeOpener
	Cropper PhotoCropper // makes the standard photo of rows approved before standardisation
	Outbox  Outbox
}

// BatchSummary is a batch as the school's list shows it, with 学信网's answers counted.
type BatchSummary struct {
	ID          int64
	SchoolID    string
	CreatedAt   time.Time
	CreatedBy   string
	Count       int
	Skipped     int
	Status      string
	SubmittedAt *time.Time
	SubmittedBy string
	Accepted    int64
	Failed      int64
}

func (b *Batch) summary() BatchSummary {
	v := BatchSummary{ID: b.ID, SchoolID: b.SchoolID, CreatedAt: b.CreatedAt, CreatedBy: b.CreatedBy, Count: b.PhotoCount,
		Skipped: skippedCount(b.Skipped), Status: b.Status, SubmittedAt: b.SubmittedAt}
	if b.SubmittedBy != nil {
		v.SubmittedBy = *b.SubmittedBy
	}
	return v
}

// maxBatchList bounds the list: a school makes a few batches a season.
const maxBatchList = 200

// ListBatches lists a school's batches, newest first, with 学信网's answers counted.
func (st *Staff) ListBatches(ctx context.Context, who audit.Actor, schoolID string) ([]BatchSummary, error) {
	if err := st.requireSchool(ctx, who, schoolID); err != nil {
		return nil, err
	}
	var bs []Batch
	if err := db.Conn(ctx, st.s.d.DB).Where("school_id = ?", schoolID).Order("id DESC").Limit(maxBatchList).Find(&bs).Error; err != nil {
		return nil, apperr.Internal(fmt.Errorf("collection: list batches: %w", err))
	}
	out := make([]BatchSummary, len(bs))
	idx := make(map[int64]int, len(bs))
	ids := make([]int64, len(bs))
	for i := range bs {
		out[i], idx[bs[i].ID], ids[i] = bs[i].summary(), i, bs[i].ID
	}
	if len(ids) == 0 {
		return out, nil
	}
	var counts []struct {
		BatchID    int64
		CHSIResult string `gorm:"column:chsi_result"`
		N          int64
	}
	if err := db.Conn(ctx, st.s.d.DB).Model(&BatchItem{}).Select("batch_id, chsi_result, COUNT(*) AS n").
		Where("batch_id IN ? AND chsi_result IS NOT NULL", ids).Group("batch_id, chsi_result").Scan(&counts).Error; err != nil {
		return nil, apperr.Internal(fmt.Errorf("collection: count batch results: %w", err))
	}
	for _, c := range counts {
		switch c.CHSIResult {
		case CHSIAccepted:
			out[idx[c.BatchID]].Accepted = c.N
		case CHSIFailed:
			out[idx[c.BatchID]].Failed = c.N
		}
	}
	return out, nil
}

// loadBatch returns a batch the actor may see; another school's is "not found".
func (st *Staff) loadBatch(ctx context.Context, who audit.Actor, rawID string) (*Batch, error) {
	id, err := strconv.ParseInt(rawID, 10, 64)
	if err != nil || id < 1 {
		return nil, ErrBatchNotFound
	}
	var b Batch
	err = db.Conn(ctx, st.s.d.DB).Where("id = ?", id).Take(&b).Error
	if db.IsNotFound(err) || (err == nil && !who.CanSeeSchool(b.SchoolID)) {
		return nil, ErrBatchNotFound
	}
	if err != nil {
		return nil, apperr.Internal(fmt.Errorf("collection: load batch: %w", err))
	}
	return &b, nil
}

// MarkSubmitted records that the school uploaded the batch to 学信网: its students still
// in the batch's hands (exported) become submitted. Marking it again changes nothing.
func (st *Staff) MarkSubmitted(ctx context.Context, who audit.Actor, rawID string) (*BatchSummary, error) {
	b, err := st.loadBatch(ctx, who, rawID)
	if err != nil {
		return nil, err
	}
	moved := int64(0)
	err = db.Tx(ctx, st.s.d.DB, func(ctx context.Context) error {
		now := st.s.d.Now()
		res := db.Conn(ctx, st.s.d.DB).Model(&Batch{}).Where("id = ? AND status = ?", b.ID, BatchExported).
			Updates(map[string]any{"status": BatchSubmitted, "submitted_by": who.Username, "submitted_at": now})
		if res.Error != nil {
			return apperr.Internal(res.Error)
		}
		if res.RowsAffected == 0 {
			return nil // already submitted
		}
		items := db.Conn(ctx, st.s.d.DB).Model(&BatchItem{}).Select("collection_id").Where("batch_id = ?", b.ID)
		res = db.Conn(ctx, st.s.d.DB).Model(&Collection{}).Where("id IN (?) AND status = ?", items, StatusExported).
			Updates(map[string]any{"status": StatusSubmitted, "updated_at": now})
		if res.Error != nil {
			return apperr.Internal(res.Error)
		}
		moved = res.RowsAffected
		return st.trail.Record(ctx, who, audit.ActionBatchSubmitted, b.SchoolID,
			map[string]any{"batch_id": b.ID, "count": b.PhotoCount, "students_submitted": moved})
	})
	if err != nil {
		return nil, err
	}
	if b, err = st.loadBatch(ctx, who, rawID); err != nil {
		return nil, err
	}
	v := b.summary()
	return &v, nil
}
