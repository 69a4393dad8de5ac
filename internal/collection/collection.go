// Package collection owns a student's photo collection and its state machine:
// verification against the roster, confirmation, the capture code, the photo, and
// the transitions that payment and review drive.
package collection

import (
	"time"

	"github.com/gradphoto/gradphoto/internal/apperr"
)

// Status of a collection.
type Status string

const (
	StatusUnconfirmed Status = "unconfirmed"
	StatusConfirmed   Status = "confirmed"
	StatusCodeOK      Status = "code_ok"
	StatusPhotoOK     Status = "photo_ok"
	StatusInReview    Status = "in_review"
	StatusApproved    Status = "approved"
	StatusRejected    Status = "rejected"
	StatusExported    Status = "exported"      // in an export batch: the school is delivering it
	StatusSubmitted   Status = "submitted"     // the school uploaded its batch to 学信网
	StatusCHSIOK      Status = "chsi_accepted" // 学信网 accepted the photo
	StatusCHSIFailed  Status = "chsi_failed"   // 学信网's comparison failed: a free new photo round
)

// AllStatuses in journey order (stats, filters).
var AllStatuses = []Status{StatusUnconfirmed, StatusConfirmed, StatusCodeOK, StatusPhotoOK, StatusInReview, StatusApproved, StatusRejected,
	StatusExported, StatusSubmitted, StatusCHSIOK, StatusCHSIFailed}

// delivered are the statuses of an approved photo on its way to (or at) 学信网.
var delivered = []Status{StatusApproved, StatusExported, StatusSubmitted, StatusCHSIOK}

// photoApproved: the current photo passed review (and 学信网 has not refused it).
func photoApproved(s Status) bool {
	for _, d := range delivered {
		if s == d {
			return true
		}
	}
	return false
}

// StatusText is what the student (and staff) read for a status: honest about where the
// photo is — "exported" only means the school has it, not that 学信网 does.
func StatusText(s Status, chsiReason string) string {
	switch s {
	case StatusCHSIFailed:
		return "学信网比对未通过：" + chsiReason + "，请重新上传照片"
	case StatusNotStarted:
		return "未开始"
	}
	return statusTexts[s]
}

var statusTexts = map[Status]string{
	StatusUnconfirmed: "待确认信息", StatusConfirmed: "待上传采集码", StatusCodeOK: "待上传照片", StatusPhotoOK: "待支付",
	StatusInReview: "审核中", StatusApproved: "审核成功", StatusRejected: "审核失败",
	StatusExported: "审核成功（学校整理报送中）", StatusSubmitted: "已报送学信网", StatusCHSIOK: "学信网已接收",
}

// ValidStatus reports a known status.
func ValidStatus(s string) bool {
	for _, st := range AllStatuses {
		if string(st) == s {
			return true
		}
	}
	return false
}

var (
	ErrNotFound      = apperr.NotFound("collection_not_found", "未找到该采集记录")
	ErrAlreadyBound  = apperr.Conflict("already_bound", "该学生信息已被其他微信账号绑定，如非本人操作请联系学校")
	ErrWrongStep     = apperr.ErrWrongStep
	ErrCodeInUse     = apperr.Conflict("code_in_use", "该图像采集码已被其他同学使用，请确认是否为本人的采集码")
	ErrPhotoRejected = apperr.Rejected("photo_rejected", "照片不符合标准，请按提示修改后重新上传")
	ErrNotApproved   = apperr.NotFound("photo_not_available", "照片审核通过后才能查看")
	ErrNotBound      = apperr.Conflict("not_bound", "该学生信息目前未绑定微信账号")
	// ErrNoStandardPhoto: no accepted photo yet, or one uploaded before standard photos existed.
	ErrNoStandardPhoto = apperr.NotFound("standard_photo_not_available", "还没有通过检测的照片，请先上传照片")
	ErrTooManyTries    = apperr.TooMany("too_many_attempts", "信息校验失败次数过多，请一小时后再试或联系学校核实信息")
)

// CHSINotice explains already_has_chsi_photo to the student before they pay.
const CHSINotice = "学校名单显示您在学信网已有学历照片，学信网不接受重复上传，继续采集将无法使用且费用不予退还。如有疑问请先联系学校。"

// Collection is the GORM model of table collections.
type Collection struct {
	ID                  string  `gorm:"primaryKey;size:40"`
	UserID              string  `gorm:"size:40;not null"`
	SchoolID            string  `gorm:"size:40;not null"`
	RosterEntryID       int64   `gorm:"not null"`
	Level               string  `gorm:"size:16;not null"`
	Name                string  `gorm:"size:64;not null"`
	StudentNo           string  `gorm:"size:64;not null"`
	Phone               string  `gorm:"size:20;not null"`
	Status              Status  `gorm:"size:16;not null"`
	AlreadyHasCHSIPhoto bool    `gorm:"column:already_has_chsi_photo;not null"`
	CHSIPhotoAck        bool    `gorm:"column:chsi_photo_ack;not null"`
	CaptureCodeHash     *string `gorm:"size:64"`
	CaptureCodeMasked   string  `gorm:"size:64;not null"`
	CaptureCodeCipher   *string `gorm:"type:text"`
	CaptureCodeAt       *time.Time
	PhotoSHA256         *string `gorm:"column:photo_sha256;size:64"`
	PhotoChecks         *string `gorm:"type:mediumtext"`
	PhotoGeometry       *string `gorm:"type:text"`
	// PhotoStandardSHA256 names the 480×640 standard JPEG (StandardPhotoKey); nil: deliver the original.
	PhotoStandardSHA256 *string `gorm:"column:photo_standard_sha256;size:64"`
	PhotoAt             *time.Time
	// UnboundAt: support freed the roster entry from UserID's WeChat account; that
	// account no longer sees the collection and the next account to verify takes it over.
	UnboundAt *time.Time
	// CHSIReason is 学信网's reason while the status is chsi_failed.
	CHSIReason *string `gorm:"column:chsi_reason;size:255"`
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

func (Collection) TableName() string { return "collections" }

// StatusText is what the student reads for the collection's status.
func (c *Collection) StatusText() string { return StatusText(c.Status, deref(c.CHSIReason)) }

// OwnedBy reports whether the student account userID holds the collection.
func (c *Collection) OwnedBy(userID string) bool { return c.UnboundAt == nil && c.UserID == userID }

// PhotoUpload records every photo a student uploaded, passed or not (table photo_uploads).
type PhotoUpload struct {
	ID           int64  `gorm:"primaryKey;autoIncrement"`
	CollectionID string `gorm:"size:40;not null"`
	SHA256       string `gorm:"column:sha256;size:64;not null"`
	SizeBytes    int64  `gorm:"not null"`
	Passed       bool   `gorm:"not null"`
	Checks       string `gorm:"column:verdict_json;type:mediumtext;not null"`
	// StandardSHA256 names the standard photo cut from an accepted upload.
	StandardSHA256 *string `gorm:"column:standard_sha256;size:64"`
	CreatedAt      time.Time
	PurgedAt       *time.Time
}

func (PhotoUpload) TableName() string { return "photo_uploads" }

// VerifyFailure is one failed roster verification, for the per-account hourly limit.
type VerifyFailure struct {
	ID        int64  `gorm:"primaryKey;autoIncrement"`
	UserID    string `gorm:"size:40;not null"`
	CreatedAt time.Time
}

func (VerifyFailure) TableName() string { return "verify_failures" }

// Models lists the package's GORM models.
func Models() []any {
	return []any{&Collection{}, &PhotoUpload{}, &VerifyFailure{}, &Batch{}, &BatchItem{}, &SubscribeAcceptance{}}
}

// PhotoKey is the storage key of a photo's original bytes.
func PhotoKey(sha string) string { return "photos/" + sha[:2] + "/" + sha + ".jpg" }

// StandardPhotoKey is the storage key of a standard (480×640) photo's bytes.
func StandardPhotoKey(sha string) string { return "photos/std/" + sha[:2] + "/" + sha + ".jpg" }

// NextStep tells the mini-program which page a status leads to.
func NextStep(s Status) string {
	switch s {
	case StatusUnconfirmed:
		return "confirm"
	case StatusConfirmed:
		return "capture_code"
	case StatusCodeOK:
		return "photo"
	case StatusPhotoOK:
		return "pay"
	case StatusInReview:
		return "wait_review"
	case StatusRejected, StatusCHSIFailed:
		return "reupload_photo"
	case StatusApproved, StatusExported, StatusSubmitted, StatusCHSIOK:
		return "done"
	}
	return ""
}
