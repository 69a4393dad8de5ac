package collection

import (
	"context"
	"time"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/db"
)

// Disk is bounded three ways (api.md, "limits and failure answers"): a student's photo
// bytes per day are capped; of their rejected uploads only the latest few are kept
// (for staff to see what was tried); an accepted photo that a newer one replaced is
// deleted after a retention period.

// ErrUploadQuota: the student uploaded more photo bytes in the last 24 hours than
// storage.daily_upload_bytes allows.
var ErrUploadQuota = apperr.TooMany("upload_quota_exceeded", "今日上传的照片过多，请明天再试或联系客服")

// Limits are the disk limits of photo uploads; a zero field turns that limit off.
type Limits struct {
	DailyUploadBytes int64 // per student, over the last 24 hours
	RejectedKeep     int   // rejected uploads kept per student (0: none beyond the retention)
}

// checkUploadQuota refuses an upload of n bytes that would take the student past the day's bytes.
func (s *Service) checkUploadQuota(ctx context.Context, userID string, n int64) error {
	if s.d.Limits.DailyUploadBytes <= 0 {
		return nil
	}
	var used int64
	err := db.Conn(ctx, s.d.DB).Table("photo_uploads").
		Joins("JOIN collections ON collections.id = photo_uploads.collection_id").
		Where("collections.user_id = ? AND photo_uploads.created_at > ?", userID, s.d.Now().Add(-24*time.Hour)).
		Select("COALESCE(SUM(photo_uploads.size_bytes), 0)").Scan(&used).Error
	if err != nil {
		return apperr.Internal(err)
	}
	if used+n > s.d.Limits.DailyUploadBytes {
		return ErrUploadQuota
	}
	return nil
}

// pruneRejected deletes the student's rejected uploads beyond the latest RejectedKeep.
// A failure is logged: the upload itself was answered already.
func (s *Service) pruneRejected(ctx context.Context, userID string) {
	keep := s.d.Limits.RejectedKeep
	if keep <= 0 {
		return
	}
	var old []PhotoUpload
	err := db.Conn(ctx, s.d.DB).Table("photo_uploads").Select("photo_uploads.*").
		Joins("JOIN collections ON collections.id = photo_uploads.collection_id").
		Where("collections.user_id = ? AND photo_uploads.passed = ? AND photo_uploads.purged_at IS NULL", userID, false).
		Order("photo_uploads.created_at DESC, photo_uploads.id DESC").Offset(keep).Limit(100).Find(&old).Error
	if err == nil {
		for _, u := range old {
			if err = s.purgeUpload(ctx, u); err != nil {
				break
			}
		}
	}
	if err != nil {
		s.d.Log.ErrorContext(ctx, "prune rejected photos", "err", err)
	}
}

// PurgeReplacedPhotos deletes accepted photos that a newer accepted photo of the same
// collection replaced more than retention ago. It returns how many were purged.
func (s *Service) PurgeReplacedPhotos(ctx context.Context, retention time.Duration) (int, error) {
	var ups []PhotoUpload
	err := db.Conn(ctx, s.d.DB).Table("photo_uploads").Select("photo_uploads.*").
		Joins("JOIN collections ON collections.id = photo_uploads.collection_id").
		Where("photo_uploads.passed = ? AND photo_uploads.purged_at IS NULL", true).
		Where("(collections.photo_sha256 IS NULL OR collections.photo_sha256 <> photo_uploads.sha256)").
		Where("EXISTS (SELECT 1 FROM photo_uploads later WHERE later.collection_id = photo_uploads.collection_id"+
			" AND later.passed = ? AND later.id > photo_uploads.id AND later.created_at < ?)",
			true, s.d.Now().Add(-retention)).
		Limit(500).Find(&ups).Error
	if err != nil {
		return 0, apperr.Internal(err)
	}
	for i, u := range ups {
		if err := s.purgeUpload(ctx, u); err != nil {
			return i, err
		}
	}
	return len(ups), nil
}

// purgeUpload deletes an upload's bytes and its standard photo's, each unless a
// collection's current photo or another upload still kept has the same bytes, and
// marks it purged.
func (s *Service) purgeUpload(ctx context.Context, u PhotoUpload) error {
	if err := s.deleteUnlessShared(ctx, u.ID, "photo_sha256", "sha256", u.SHA256, PhotoKey(u.SHA256)); err != nil {
		return err
	}
	if std := u.StandardSHA256; std != nil {
		if err := s.deleteUnlessShared(ctx, u.ID, "photo_standard_sha256", "standard_sha256", *std, StandardPhotoKey(*std)); err != nil {
			return err
		}
	}
	now := s.d.Now()
	if err := db.Conn(ctx, s.d.DB).Model(&PhotoUpload{}).Where("id = ?", u.ID).Update("purged_at", &now).Error; err != nil {
		return apperr.Internal(err)
	}
	return nil
}

// deleteUnlessShared deletes the blob key of bytes sha, which upload id names in its
// uploadColumn, unless a collection names the same bytes in collectionColumn or another
// upload still kept does in uploadColumn. The columns are this file's constants.
func (s *Service) deleteUnlessShared(ctx context.Context, id int64, collectionColumn, uploadColumn, sha, key string) error {
	var inUse int64
	if err := db.Conn(ctx, s.d.DB).Model(&Collection{}).Where(collectionColumn+" = ?", sha).Count(&inUse).Error; err != nil {
		return apperr.Internal(err)
	}
	if inUse == 0 {
		if err := db.Conn(ctx, s.d.DB).Model(&PhotoUpload{}).
			Where(uploadColumn+" = ? AND id <> ? AND purged_at IS NULL", sha, id).Count(&inUse).Error; err != nil {
			return apperr.Internal(err)
		}
	}
	if inUse > 0 {
		return nil
	}
	if err := s.d.Blobs.Delete(ctx, key); err != nil {
		return apperr.ErrUnavailable.Wrap(err)
	}
	return nil
}
