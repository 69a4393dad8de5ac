package collection

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/db"
	"github.com/gradphoto/gradphoto/internal/ids"
	"github.com/gradphoto/gradphoto/internal/roster"
	"github.com/gradphoto/gradphoto/internal/school"
	"github.com/gradphoto/gradphoto/internal/storage"
)

// What the service needs from outside, declared here and implemented by adapters in internal/app.

// PhoneResolver turns a getPhoneNumber code into the phone number.
type PhoneResolver interface {
	PhoneFromCode(ctx context.Context, code string) (string, error)
}

// CapturedCode is a decoded, validated capture code in the forms we keep.
type CapturedCode struct {
	Fingerprint string // hex sha-256, unique across collections
	Masked      string
	Sealed      string // encrypted at rest
}

// CodeReader decodes and validates a capture-code screenshot.
type CodeReader interface {
	Read(ctx context.Context, image []byte) (CapturedCode, error)
}

// PhotoVerdict is the photo checks' answer.
type PhotoVerdict struct {
	Passed   bool
	Checks   json.RawMessage // the check objects of api.md
	Geometry json.RawMessage // face box, pupils, eye line: the reviewer's overlay (may be nil)
	// Standard is api.md's {"standardized", "crop", "scale"}; StandardJPEG the
	// 480×640 standard photo's bytes (nil when the photo has none).
	Standard     json.RawMessage
	StandardJPEG []byte
}

// PhotoChecker runs the photo checks of a profile.
type PhotoChecker interface {
	Check(ctx context.Context, data []byte, profile string) (PhotoVerdict, error)
}

// Deps are the collaborators of the service, all of them always there. What a
// collection's order and review are is joined outside (internal/usecase): payment and
// review depend on collections, not the other way round.
type Deps struct {
	DB      *gorm.DB
	Schools *school.Service
	Roster  *roster.Service
	Phones  PhoneResolver
	Codes   CodeReader
	Photos  PhotoChecker
	Blobs   storage.Blobs
	Now     func() time.Time
	Log     *slog.Logger
	// MaxVerifyFailures per account per hour.
	MaxVerifyFailures int
	// DefaultPhotoProfile is used for schools without their own.
	DefaultPhotoProfile string
	// Limits bound the disk photo uploads take (retention.go).
	Limits Limits
	// SubscribeTemplates are the subscribe-message template ids a student may accept.
	SubscribeTemplates []string
}

// Service implements the collection rules.
type Service struct{ d Deps }

func NewService(d Deps) *Service { return &Service{d: d} }

// CreateInput is what the student submits on the verification page.
type CreateInput struct {
	SchoolID  string `json:"school_id"`
	Level     string `json:"level"`
	Name      string `json:"name"`
	StudentNo string `json:"student_no"`
	Phone     string `json:"phone"`
	PhoneCode string `json:"phone_code"`
}

func invalidField(field, msg string) error {
	return apperr.Invalid("invalid_field", msg).WithDetails(map[string]any{"field": field})
}

func (in *CreateInput) validate() error {
	in.SchoolID = strings.TrimSpace(in.SchoolID)
	in.Name = strings.TrimSpace(in.Name)
	in.StudentNo = strings.TrimSpace(in.StudentNo)
	switch {
	case in.SchoolID == "" || len(in.SchoolID) > 40:
		return invalidField("school_id", "请选择学校")
	case in.Level == "":
		return invalidField("level", "请选择学历层次")
	case in.Name == "" || utf8.RuneCountInString(in.Name) > 32:
		return invalidField("name", "请填写姓名（不超过32个字）")
	case in.StudentNo == "" || utf8.RuneCountInString(in.StudentNo) > 32:
		return invalidField("student_no", "请填写学号（不超过32个字符）")
	case len(in.PhoneCode) > 256:
		return invalidField("phone_code", "手机号授权凭证格式不正确")
	case in.PhoneCode == "" && in.Phone == "":
		return invalidField("phone", "请填写手机号或授权获取手机号")
	}
	if in.Phone != "" {
		p := roster.NormalizePhone(in.Phone)
		if !roster.ValidPhone(p) {
			return invalidField("phone", "请填写正确的11位手机号")
		}
		in.Phone = p
	}
	return nil
}

// Create verifies a student against the roster and opens (or returns) their collection.
// created is false when the caller already had this collection.
func (s *Service) Create(ctx context.Context, userID string, in CreateInput) (col *Collection, created bool, err error) {
	if err := in.validate(); err != nil {
		return nil, false, err
	}
	if err := s.checkVerifyBudget(ctx, userID); err != nil {
		return nil, false, err
	}
	sc, err := s.d.Schools.Get(ctx, in.SchoolID)
	if errors.Is(err, school.ErrNotFound) || (err == nil && !sc.Active) {
		return nil, false, school.ErrNotFound
	}
	if err != nil {
		return nil, false, err
	}
	if !sc.HasLevel(in.Level) {
		return nil, false, school.ErrLevelInvalid
	}
	claim := roster.Claim{SchoolID: sc.ID, Level: in.Level, Name: in.Name, StudentNo: in.StudentNo, Phone: in.Phone, MatchPhone: sc.MatchPhone}
	if in.PhoneCode != "" {
		// A getPhoneNumber code is single-use: the roster is matched on name, 学号 and
		// level first, so a typo costs no code; the number WeChat vouches for then wins
		// over a typed one and is checked against the roster's.
		claim.Phone = ""
	}
	// The try is counted as a failure before the roster is asked and taken back once
	// it proves not to be one: parallel wrong tries cannot all pass a check made before
	// any was counted.
	try, err := s.takeVerifyTry(ctx, userID)
	if err != nil {
		return nil, false, err
	}
	entry, err := s.d.Roster.Match(ctx, claim)
	if errors.Is(err, roster.ErrNoMatch) {
		return nil, false, err
	}
	if err != nil {
		s.giveBackVerifyTry(ctx, try)
		return nil, false, err
	}
	if in.PhoneCode != "" {
		p, err := s.d.Phones.PhoneFromCode(ctx, in.PhoneCode)
		if err != nil {
			s.giveBackVerifyTry(ctx, try)
			return nil, false, err
		}
		in.Phone = roster.NormalizePhone(p)
		if sc.MatchPhone && entry.Phone != "" && entry.Phone != in.Phone {
			return nil, false, codeSpent(roster.ErrNoMatch)
		}
	}
	s.giveBackVerifyTry(ctx, try)

	var c Collection
	err = db.Tx(ctx, s.d.DB, func(ctx context.Context) error {
		err := db.Conn(ctx, s.d.DB).Where("roster_entry_id = ?", entry.ID).Take(&c).Error
		if err == nil {
			if c.UnboundAt != nil {
				return s.rebind(ctx, &c, userID, in.Phone, entry.Phone)
			}
			if c.UserID != userID {
				return ErrAlreadyBound
			}
			return nil // the same student verifying again gets their collection back
		}
		if !db.IsNotFound(err) {
			return apperr.Internal(err)
		}
		now := s.d.Now()
		c = Collection{
			ID: ids.New("c_", 16), UserID: userID, SchoolID: sc.ID, RosterEntryID: entry.ID,
			Level: entry.Level, Name: entry.Name, StudentNo: entry.StudentNo, Phone: in.Phone,
			Status: StatusUnconfirmed, AlreadyHasCHSIPhoto: entry.HasCHSIPhoto, CreatedAt: now, UpdatedAt: now,
		}
		if c.Phone == "" {
			c.Phone = entry.Phone
		}
		if err := db.Conn(ctx, s.d.DB).Create(&c).Error; err != nil {
			if db.IsDuplicate(err) {
				return ErrAlreadyBound // lost a race with another account
			}
			return apperr.Internal(err)
		}
		created = true
		return nil
	})
	if err != nil {
		if in.PhoneCode != "" {
			return nil, false, codeSpent(err)
		}
		return nil, false, err
	}
	return &c, created, nil
}

// codeSpent marks an error answered after the phone code was exchanged: the client
// must not send that code again (WeChat answers every reuse with 40029).
func codeSpent(err error) error {
	e := apperr.As(err)
	d := map[string]any{"phone_code_used": true}
	for k, v := range e.Details {
		d[k] = v
	}
	return e.WithDetails(d)
}

func (s *Service) checkVerifyBudget(ctx context.Context, userID string) error {
	var n int64
	since := s.d.Now().Add(-time.Hour)
	if err := db.Conn(ctx, s.d.DB).Model(&VerifyFailure{}).Where("user_id = ? AND created_at > ?", userID, since).Count(&n).Error; err != nil {
		return apperr.Internal(err)
	}
	if n >= int64(s.d.MaxVerifyFailures) {
		return ErrTooManyTries
	}
	return nil
}

// takeVerifyTry counts one verification failure, unless the hour's budget is spent,
// atomically on both databases: the student's users row is locked (MySQL; SQLite's
// write transaction serialises anyway) while the failures are counted and one added.
func (s *Service) takeVerifyTry(ctx context.Context, userID string) (int64, error) {
	var id int64
	err := db.Tx(ctx, s.d.DB, func(ctx context.Context) error {
		var locked []string
		if err := db.ForUpdate(db.Conn(ctx, s.d.DB).Table("users").Where("id = ?", userID)).Pluck("id", &locked).Error; err != nil {
			return apperr.Internal(err)
		}
		if err := s.checkVerifyBudget(ctx, userID); err != nil {
			return err
		}
		f := VerifyFailure{UserID: userID, CreatedAt: s.d.Now()}
		if err := db.Conn(ctx, s.d.DB).Create(&f).Error; err != nil {
			return apperr.Internal(err)
		}
		id = f.ID
		return nil
	})
	return id, err
}

// giveBackVerifyTry removes a counted try that turned out not to be a failure.
func (s *Service) giveBackVerifyTry(ctx context.Context, id int64) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second) // even when the request just ended
	defer cancel()
	if err := db.Conn(ctx, s.d.DB).Where("id = ?", id).Delete(&VerifyFailure{}).Error; err != nil {
		s.d.Log.ErrorContext(ctx, "give back a verification try", "err", err)
	}
}

// rebind gives an unbound collection to the account that verified as its student: the
// photo, order and review history stay; the contact phone and the subscription are the
// new account's.
func (s *Service) rebind(ctx context.Context, c *Collection, userID, phone, rosterPhone string) error {
	if phone == "" {
		phone = rosterPhone
	}
	now := s.d.Now()
	// Conditional: of two accounts verifying at once, one takes the collection over.
	res := db.Conn(ctx, s.d.DB).Model(&Collection{}).Where("id = ? AND unbound_at IS NOT NULL", c.ID).
		Updates(map[string]any{"user_id": userID, "unbound_at": nil, "phone": phone, "updated_at": now})
	if res.Error != nil {
		return apperr.Internal(res.Error)
	}
	if res.RowsAffected != 1 {
		return ErrAlreadyBound
	}
	c.UserID, c.UnboundAt, c.Phone, c.UpdatedAt = userID, nil, phone, now
	return nil
}

// Unbind frees a collection's roster entry from its WeChat account (support): that
// account's access to it ends at once, and the next account that verifies as the
// student takes it over. It returns the collection as it was.
func (s *Service) Unbind(ctx context.Context, id string) (*Collection, error) {
	var before Collection
	err := db.Tx(ctx, s.d.DB, func(ctx context.Context) error {
		c, err := s.load(ctx, "", id, true)
		if err != nil {
			return err
		}
		before = *c
		if c.UnboundAt != nil {
			return ErrNotBound
		}
		now := s.d.Now()
		if err := db.Conn(ctx, s.d.DB).Model(&Collection{}).Where("id = ?", id).
			Updates(map[string]any{"unbound_at": now, "updated_at": now}).Error; err != nil {
			return err
		}
		// The old account's subscribe acceptances were for its openid: none is used for
		// whoever takes the collection over.
		return db.Conn(ctx, s.d.DB).Model(&SubscribeAcceptance{}).Where("collection_id = ? AND used_at IS NULL", id).
			Updates(map[string]any{"used_at": now, "used_for": "unbound"}).Error
	})
	if err != nil {
		return nil, apperr.As(err)
	}
	return &before, nil
}

// load returns the caller's collection; another account's is "not found" so that
// its existence is not revealed.
func (s *Service) load(ctx context.Context, userID, id string, lock bool) (*Collection, error) {
	if id == "" || len(id) > 40 {
		return nil, ErrNotFound
	}
	q := db.Conn(ctx, s.d.DB)
	if lock {
		q = db.ForUpdate(q)
	}
	var c Collection
	err := q.Where("id = ?", id).Take(&c).Error
	if db.IsNotFound(err) || (err == nil && userID != "" && !c.OwnedBy(userID)) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, apperr.Internal(err)
	}
	return &c, nil
}

// Get returns one of the caller's collections.
func (s *Service) Get(ctx context.Context, userID, id string) (*Collection, error) {
	return s.load(ctx, userID, id, false)
}

// List returns the caller's collections, newest first.
func (s *Service) List(ctx context.Context, userID string) ([]Collection, error) {
	var cs []Collection
	if err := db.Conn(ctx, s.d.DB).Where("user_id = ? AND unbound_at IS NULL", userID).Order("created_at DESC").Limit(20).Find(&cs).Error; err != nil {
		return nil, apperr.Internal(err)
	}
	return cs, nil
}

// transition runs fn on the locked collection inside a transaction and saves it.
func (s *Service) transition(ctx context.Context, userID, id string, fn func(ctx context.Context, c *Collection) error) (*Collection, error) {
	var c *Collection
	err := db.Tx(ctx, s.d.DB, func(ctx context.Context) error {
		var err error
		if c, err = s.load(ctx, userID, id, true); err != nil {
			return err
		}
		if err := fn(ctx, c); err != nil {
			return err
		}
		c.UpdatedAt = s.d.Now()
		if err := db.Conn(ctx, s.d.DB).Save(c).Error; err != nil {
			if db.IsDuplicate(err) {
				return ErrCodeInUse
			}
			return apperr.Internal(err)
		}
		return nil
	})
	return c, err
}

// Confirm records that the student confirmed the matched information.
func (s *Service) Confirm(ctx context.Context, userID, id string) (*Collection, error) {
	return s.transition(ctx, userID, id, func(ctx context.Context, c *Collection) error {
		if c.Status == StatusUnconfirmed {
			c.Status = StatusConfirmed
		}
		return nil // confirming again is harmless
	})
}

// SetCaptureCode decodes the uploaded 采集码 screenshot and binds the code. Before
// payment a new upload replaces the code.
func (s *Service) SetCaptureCode(ctx context.Context, userID, id string, image []byte) (*Collection, error) {
	c0, err := s.load(ctx, userID, id, false)
	if err != nil {
		return nil, err // not theirs: say nothing about the image
	}
	if !codeAllowed(c0.Status) {
		return nil, ErrWrongStep // before the slow decode, whatever the image holds
	}
	code, err := s.d.Codes.Read(ctx, image) // slow part outside the transaction
	if err != nil {
		return nil, err
	}
	return s.transition(ctx, userID, id, func(ctx context.Context, c *Collection) error {
		if !codeAllowed(c.Status) {
			return ErrWrongStep
		}
		var other int64
		if err := db.Conn(ctx, s.d.DB).Model(&Collection{}).
			Where("capture_code_hash = ? AND id <> ?", code.Fingerprint, c.ID).Count(&other).Error; err != nil {
			return apperr.Internal(err)
		}
		if other > 0 {
			return ErrCodeInUse
		}
		now := s.d.Now()
		c.CaptureCodeHash, c.CaptureCodeMasked, c.CaptureCodeCipher, c.CaptureCodeAt = &code.Fingerprint, code.Masked, &code.Sealed, &now
		if c.Status == StatusConfirmed {
			c.Status = StatusCodeOK
		}
		return nil
	})
}

// CheckedPhoto is a photo that passed the checks, its bytes stored: what AcceptPhoto
// records on the collection.
type CheckedPhoto struct {
	upload   PhotoUpload
	stdSHA   *string
	geometry json.RawMessage
	// Checks are the check objects; Standard is how the standard photo was cut.
	Checks   json.RawMessage
	Standard json.RawMessage
}

// CheckPhoto runs the photo checks for the caller's collection and stores the bytes
// (the slow part, outside any transaction). A failing photo is kept (for the retention
// period) and answered with every failed check; a passing one is returned for
// AcceptPhoto.
func (s *Service) CheckPhoto(ctx context.Context, userID, id string, data []byte) (*CheckedPhoto, error) {
	c, err := s.load(ctx, userID, id, false)
	if err != nil {
		return nil, err
	}
	if !photoAllowed(c.Status) {
		return nil, ErrWrongStep
	}
	sc, err := s.d.Schools.Get(ctx, c.SchoolID)
	if err != nil {
		return nil, err
	}
	profile := sc.PhotoProfile
	if profile == "" {
		profile = s.d.DefaultPhotoProfile
	}
	if err := s.checkUploadQuota(ctx, userID, int64(len(data))); err != nil {
		return nil, err
	}
	verdict, err := s.d.Photos.Check(ctx, data, profile)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])
	// The original bytes are stored before anything points at them: nothing is ever lost.
	if err := s.d.Blobs.Put(ctx, PhotoKey(sha), data); err != nil {
		return nil, apperr.ErrUnavailable.Wrap(err)
	}
	upload := PhotoUpload{CollectionID: c.ID, SHA256: sha, SizeBytes: int64(len(data)), Passed: verdict.Passed,
		Checks: string(verdict.Checks), CreatedAt: s.d.Now()}
	if !verdict.Passed {
		if err := db.Conn(ctx, s.d.DB).Create(&upload).Error; err != nil {
			return nil, apperr.Internal(err)
		}
		s.pruneRejected(ctx, userID)
		return nil, ErrPhotoRejected.WithDetails(map[string]any{"checks": verdict.Checks})
	}
	// The standard photo too is stored before the collection names it.
	var stdSHA *string
	if len(verdict.StandardJPEG) > 0 {
		sum := sha256.Sum256(verdict.StandardJPEG)
		h := hex.EncodeToString(sum[:])
		if err := s.d.Blobs.Put(ctx, StandardPhotoKey(h), verdict.StandardJPEG); err != nil {
			return nil, apperr.ErrUnavailable.Wrap(err)
		}
		stdSHA = &h
	}
	upload.StandardSHA256 = stdSHA
	std := verdict.Standard
	if len(std) == 0 {
		std = json.RawMessage(`{"standardized":false,"crop":[0,0,0,0],"scale":0}`)
	}
	return &CheckedPhoto{upload: upload, stdSHA: stdSHA, geometry: verdict.Geometry, Checks: verdict.Checks, Standard: std}, nil
}

// AcceptPhoto records a checked photo on the caller's collection: photo_ok, or, after a
// rejection by review or by 学信网, straight back to in_review without a new payment —
// then backToReview is true and the caller queues the new review round in the
// transaction ctx carries (internal/usecase does).
func (s *Service) AcceptPhoto(ctx context.Context, userID, id string, p *CheckedPhoto) (c *Collection, backToReview bool, err error) {
	c, err = s.transition(ctx, userID, id, func(ctx context.Context, c *Collection) error {
		if !photoAllowed(c.Status) {
			return ErrWrongStep
		}
		upload := p.upload
		if err := db.Conn(ctx, s.d.DB).Create(&upload).Error; err != nil {
			return apperr.Internal(err)
		}
		sha, checks, at := upload.SHA256, upload.Checks, upload.CreatedAt
		c.PhotoSHA256, c.PhotoChecks, c.PhotoAt = &sha, &checks, &at
		c.PhotoStandardSHA256 = p.stdSHA
		c.PhotoGeometry = nil
		if len(p.geometry) > 0 {
			g := string(p.geometry)
			c.PhotoGeometry = &g
		}
		// A rejection by review or by 学信网: the paid service goes on, no new order.
		if c.Status == StatusRejected || c.Status == StatusCHSIFailed {
			c.Status, c.CHSIReason = StatusInReview, nil
			backToReview = true
			return nil
		}
		c.Status = StatusPhotoOK
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return c, backToReview, nil
}

// codeAllowed: the code can be set or replaced until payment.
func codeAllowed(st Status) bool {
	return st == StatusConfirmed || st == StatusCodeOK || st == StatusPhotoOK
}

func photoAllowed(st Status) bool {
	return st == StatusCodeOK || st == StatusPhotoOK || st == StatusRejected || st == StatusCHSIFailed
}

// ApprovedPhoto returns the original bytes of the owner's approved photo.
func (s *Service) ApprovedPhoto(ctx context.Context, userID, id string) ([]byte, error) {
	c, err := s.load(ctx, userID, id, false)
	if err != nil {
		return nil, err
	}
	if !photoApproved(c.Status) || c.PhotoSHA256 == nil {
		return nil, ErrNotApproved
	}
	data, err := storage.ReadAll(ctx, s.d.Blobs, PhotoKey(*c.PhotoSHA256))
	if err != nil {
		return nil, apperr.ErrUnavailable.Wrap(err)
	}
	return data, nil
}

// StandardPhoto returns the owner's standard photo (480×640 JPEG), from photo_ok on:
// the bytes the reviewer judges and the school delivers.
func (s *Service) StandardPhoto(ctx context.Context, userID, id string) ([]byte, error) {
	c, err := s.load(ctx, userID, id, false)
	if err != nil {
		return nil, err
	}
	if c.PhotoStandardSHA256 == nil || !photoTaken(c.Status) {
		return nil, ErrNoStandardPhoto
	}
	data, err := storage.ReadAll(ctx, s.d.Blobs, StandardPhotoKey(*c.PhotoStandardSHA256))
	if err != nil {
		return nil, apperr.ErrUnavailable.Wrap(err)
	}
	return data, nil
}

// photoTaken: the collection is at photo_ok or any later step.
func photoTaken(st Status) bool {
	switch st {
	case StatusUnconfirmed, StatusConfirmed, StatusCodeOK:
		return false
	}
	return true
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// ByID loads a collection without an ownership check (staff and other services).
func (s *Service) ByID(ctx context.Context, id string) (*Collection, error) {
	return s.load(ctx, "", id, false)
}

// LockForDecision locks the collection row in the caller's transaction (FOR UPDATE on
// MySQL; SQLite's write transaction is the lock) and returns it as it stands. Approval,
// rejection and refund take it first, so whichever commits first wins and the other
// sees the result.
func (s *Service) LockForDecision(ctx context.Context, id string) (*Collection, error) {
	if !db.InTx(ctx) {
		return nil, apperr.Internal(fmt.Errorf("collection %s: LockForDecision outside a transaction", id))
	}
	return s.load(ctx, "", id, true)
}

// setStatus moves a collection from one of from to "to" inside the caller's transaction.
func (s *Service) setStatus(ctx context.Context, id string, to Status, from ...Status) error {
	res := db.Conn(ctx, s.d.DB).Model(&Collection{}).Where("id = ? AND status IN ?", id, from).
		Updates(map[string]any{"status": to, "updated_at": s.d.Now()})
	if res.Error != nil {
		return apperr.Internal(res.Error)
	}
	if res.RowsAffected != 1 {
		return ErrWrongStep.Wrap(fmt.Errorf("collection %s: %v -> %s refused", id, from, to))
	}
	return nil
}

// MarkPaid moves a paid collection into review (called inside the payment transaction).
func (s *Service) MarkPaid(ctx context.Context, id string) error {
	return s.setStatus(ctx, id, StatusInReview, StatusPhotoOK)
}

// Withdraw takes a collection whose payment is being refunded back to photo_ok (from
// review, after a rejection, or after 学信网 refused the photo: its free new round is
// part of what was paid); approved and delivered ones keep their state.
func (s *Service) Withdraw(ctx context.Context, id string) error {
	res := db.Conn(ctx, s.d.DB).Model(&Collection{}).Where("id = ? AND status IN ?", id, []Status{StatusInReview, StatusRejected, StatusCHSIFailed}).
		Updates(map[string]any{"status": StatusPhotoOK, "updated_at": s.d.Now()})
	if res.Error != nil {
		return apperr.Internal(res.Error)
	}
	return nil
}

// MarkApproved records a positive review decision.
func (s *Service) MarkApproved(ctx context.Context, id string) error {
	return s.setStatus(ctx, id, StatusApproved, StatusInReview)
}

// MarkRejected records a negative review decision; the student may upload again.
func (s *Service) MarkRejected(ctx context.Context, id string) error {
	return s.setStatus(ctx, id, StatusRejected, StatusInReview)
}

// AckCHSIPhoto records that a student whom the roster marks as already having a 学信网
// photo chose to go on anyway.
func (s *Service) AckCHSIPhoto(ctx context.Context, userID, id string) error {
	_, err := s.transition(ctx, userID, id, func(ctx context.Context, c *Collection) error {
		c.CHSIPhotoAck = true
		return nil
	})
	return err
}

// PurgeRejectedPhotos deletes the blobs of failed uploads older than retention, unless the
// same bytes are still in use (purgeUpload). It returns how many were purged.
func (s *Service) PurgeRejectedPhotos(ctx context.Context, retention time.Duration) (int, error) {
	var ups []PhotoUpload
	cutoff := s.d.Now().Add(-retention)
	if err := db.Conn(ctx, s.d.DB).Where("passed = ? AND purged_at IS NULL AND created_at < ?", false, cutoff).
		Limit(500).Find(&ups).Error; err != nil {
		return 0, apperr.Internal(err)
	}
	for i, u := range ups {
		if err := s.purgeUpload(ctx, u); err != nil {
			return i, err
		}
	}
	return len(ups), nil
}

// RosterCorrected copies a corrected roster entry's name, level and 学信网-photo flag
// to the collection made from it, if any (the export and the staff views read them there).
func (s *Service) RosterCorrected(ctx context.Context, e *roster.Entry) error {
	err := db.Conn(ctx, s.d.DB).Model(&Collection{}).Where("roster_entry_id = ?", e.ID).
		Updates(map[string]any{"name": e.Name, "level": e.Level, "already_has_chsi_photo": e.HasCHSIPhoto, "updated_at": s.d.Now()}).Error
	if err != nil {
		return apperr.Internal(err)
	}
	return nil
}

// WithStatus lists up to limit collections in a status, the longest waiting first.
func (s *Service) WithStatus(ctx context.Context, st Status, limit int) ([]Collection, error) {
	var out []Collection
	if err := db.Conn(ctx, s.d.DB).Where("status = ?", st).Order("updated_at").Limit(limit).Find(&out).Error; err != nil {
		return nil, apperr.Internal(err)
	}
	return out, nil
}
