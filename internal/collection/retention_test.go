package collection

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/gradphoto/gradphoto/internal/dbtest"
	"github.com/gradphoto/gradphoto/internal/storage"
)

// photoReady verifies, confirms and sets the code of u1's collection.
func photoReady(t *testing.T, s *Service) string {
	t.Helper()
	ctx := context.Background()
	v, _, err := s.Create(ctx, "u1", zhang)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Confirm(ctx, "u1", v.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetCaptureCode(ctx, "u1", v.ID, []byte("code-aaaaaaaaaaaaaaaa")); err != nil {
		t.Fatal(err)
	}
	return v.ID
}

// stored tells whether the upload of these bytes is in the blob store.
func stored(t *testing.T, s *Service, data []byte) bool {
	t.Helper()
	return blobStored(s, PhotoKey(sha256Hex(data)))
}

// storedStandard tells whether the standard photo fakePhotos cuts from these bytes is.
func storedStandard(t *testing.T, s *Service, original []byte) bool {
	t.Helper()
	return blobStored(s, StandardPhotoKey(sha256Hex(append([]byte("std:"), original...))))
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func blobStored(s *Service, key string) bool {
	_, err := storage.ReadAll(context.Background(), s.d.Blobs, key)
	return err == nil
}

// Of a student's rejected uploads only the latest RejectedKeep stay; older ones are
// deleted at once, except bytes that a kept upload shares.
func TestRejectedUploadsQuarantineIsBounded(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, g *gorm.DB) {
		s, photos, _ := setup(t, g)
		s.d.Limits.RejectedKeep = 3
		ctx := context.Background()
		id := photoReady(t, s)
		photos.pass = false
		var sent [][]byte
		for i := 0; i < 6; i++ {
			data := []byte(fmt.Sprintf("rejected photo %d", i))
			if i == 5 {
				data = sent[0] // the oldest bytes again: kept, as the newest upload
			}
			sent = append(sent, data)
			if _, err := upload(ctx, s, nil, "u1", id, data); !errors.Is(err, ErrPhotoRejected) {
				t.Fatalf("upload %d: %v", i, err)
			}
		}
		for i, data := range sent {
			want := i == 0 || i >= 3 // 3, 4, 5 kept; 5 shares 0's bytes
			if got := stored(t, s, data); got != want {
				t.Errorf("upload %d stored=%v, want %v", i, got, want)
			}
		}
		var kept int64
		if err := g.Model(&PhotoUpload{}).Where("passed = ? AND purged_at IS NULL", false).Count(&kept).Error; err != nil {
			t.Fatal(err)
		}
		if kept != 3 {
			t.Fatalf("%d rejected uploads kept, want 3", kept)
		}
	})
}

// An accepted photo that a newer one replaced is deleted after the retention, the
// current one never.
func TestReplacedPhotosPurgedAfterRetention(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, g *gorm.DB) {
		s, _, _ := setup(t, g)
		ctx := context.Background()
		id := photoReady(t, s)
		first, second := []byte("accepted photo one"), []byte("accepted photo two")
		for _, p := range [][]byte{first, second} {
			if _, err := upload(ctx, s, nil, "u1", id, p); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := s.PurgeReplacedPhotos(ctx, time.Hour); err != nil || n != 0 {
			t.Fatalf("within the retention: purged %d, %v", n, err)
		}
		if !stored(t, s, first) {
			t.Fatal("a replaced photo was deleted within its retention")
		}
		// Past the retention (a negative one puts the cut-off after now).
		if n, err := s.PurgeReplacedPhotos(ctx, -time.Minute); err != nil || n != 1 {
			t.Fatalf("after the retention: purged %d, %v", n, err)
		}
		if stored(t, s, first) || !stored(t, s, second) {
			t.Fatalf("after the purge: first stored=%v (want false), current stored=%v (want true)", stored(t, s, first), stored(t, s, second))
		}
		if n, err := s.PurgeReplacedPhotos(ctx, -time.Minute); err != nil || n != 0 {
			t.Fatalf("a second purge: %d, %v", n, err)
		}
	})
}

// The standard photo cut from a replaced upload goes with it (a face photo is personal
// data); the current one's stays, and so does a standard another kept upload shares.
func TestReplacedStandardPhotosPurgedWithTheirOriginals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, g *gorm.DB) {
		s, photos, _ := setup(t, g)
		photos.standard = true
		ctx := context.Background()
		id := photoReady(t, s)
		first, second, third := []byte("accepted photo one"), []byte("accepted photo two"), []byte("accepted photo one")
		for _, p := range [][]byte{first, second} {
			if _, err := upload(ctx, s, nil, "u1", id, p); err != nil {
				t.Fatal(err)
			}
		}
		if !storedStandard(t, s, first) || !storedStandard(t, s, second) {
			t.Fatal("the standard photos were not stored")
		}
		if n, err := s.PurgeReplacedPhotos(ctx, -time.Minute); err != nil || n != 1 {
			t.Fatalf("after the retention: purged %d, %v", n, err)
		}
		if storedStandard(t, s, first) || !storedStandard(t, s, second) {
			t.Fatalf("after the purge: first standard stored=%v (want false), current stored=%v (want true)",
				storedStandard(t, s, first), storedStandard(t, s, second))
		}
		// The first bytes again, now current: its standard is stored anew and kept.
		if _, err := upload(ctx, s, nil, "u1", id, third); err != nil {
			t.Fatal(err)
		}
		if n, err := s.PurgeReplacedPhotos(ctx, -time.Minute); err != nil || n != 1 {
			t.Fatalf("second purge: purged %d, %v", n, err)
		}
		if !storedStandard(t, s, third) || storedStandard(t, s, second) {
			t.Fatalf("after the second purge: current standard stored=%v (want true), replaced stored=%v (want false)",
				storedStandard(t, s, third), storedStandard(t, s, second))
		}
	})
}

// A student's photo bytes over 24 hours are capped; the refused upload is not stored.
func TestDailyUploadBytesCapped(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, g *gorm.DB) {
		s, photos, _ := setup(t, g)
		s.d.Limits.DailyUploadBytes = 100
		ctx := context.Background()
		id := photoReady(t, s)
		photos.pass = false
		for i := 0; i < 2; i++ {
			if _, err := upload(ctx, s, nil, "u1", id, make([]byte, 40)); !errors.Is(err, ErrPhotoRejected) {
				t.Fatalf("upload %d: %v", i, err)
			}
		}
		big := []byte("thirty bytes, over the cap....")
		if _, err := upload(ctx, s, nil, "u1", id, big); !errors.Is(err, ErrUploadQuota) {
			t.Fatalf("past the day's bytes: %v", err)
		}
		if stored(t, s, big) {
			t.Fatal("a refused upload was stored")
		}
		if _, err := upload(ctx, s, nil, "u1", id, make([]byte, 20)); !errors.Is(err, ErrPhotoRejected) {
			t.Fatalf("within the cap: %v", err)
		}
	})
}
