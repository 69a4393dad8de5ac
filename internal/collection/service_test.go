package collection

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/db"
	"github.com/gradphoto/gradphoto/internal/dbtest"
	"github.com/gradphoto/gradphoto/internal/roster"
	"github.com/gradphoto/gradphoto/internal/school"
	"github.com/gradphoto/gradphoto/internal/storage"
)

type fakeCodes struct{}

// Read treats the image bytes as the decoded text.
func (fakeCodes) Read(ctx context.Context, image []byte) (CapturedCode, error) {
	if string(image) == "noqr" {
		return CapturedCode{}, apperr.Rejected("qr_not_found", "未识别到二维码")
	}
	return CapturedCode{Fingerprint: string(image), Masked: "ma**ed", Sealed: "sealed:" + string(image)}, nil
}

// fakePhotos passes or rejects every photo; with standard set, a passed photo comes
// with a standard photo of its own ("std:" and the bytes).
type fakePhotos struct{ pass, standard bool }

func (f *fakePhotos) Check(ctx context.Context, data []byte, profile string) (PhotoVerdict, error) {
	v := PhotoVerdict{Passed: f.pass, Checks: json.RawMessage(`[{"id":"format_jpeg","passed":true}]`)}
	if f.pass && f.standard {
		v.StandardJPEG = append([]byte("std:"), data...)
	}
	return v, nil
}

type fakeReviews struct {
	mu       sync.Mutex
	enqueued []string
}

func (f *fakeReviews) Enqueue(ctx context.Context, id string, at time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.enqueued = append(f.enqueued, id)
	return nil
}

// upload is a photo upload as internal/usecase runs it: checked, then accepted, and a
// new review round queued (into q, when not nil) in the same transaction.
func upload(ctx context.Context, s *Service, q *fakeReviews, userID, id string, data []byte) (*Collection, error) {
	p, err := s.CheckPhoto(ctx, userID, id, data)
	if err != nil {
		return nil, err
	}
	var c *Collection
	err = db.Tx(ctx, s.d.DB, func(ctx context.Context) error {
		var back bool
		var err error
		if c, back, err = s.AcceptPhoto(ctx, userID, id, p); err != nil || !back {
			return err
		}
		return q.Enqueue(ctx, c.ID, *c.PhotoAt)
	})
	return c, err
}

type noPhones struct{}

func (noPhones) PhoneFromCode(ctx context.Context, code string) (string, error) {
	return "", apperr.Rejected("phone_code_invalid", "x")
}

func setup(t *testing.T, g *gorm.DB) (*Service, *fakePhotos, *fakeReviews) {
	t.Helper()
	ctx := context.Background()
	now := func() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }
	schools := school.NewService(g, nil, now, dbtest.Discard())
	p := func(v string) *string { return &v }
	price := int64(2000)
	if _, err := schools.Create(ctx, school.Input{ID: p("s1"), Name: p("甲大学"), PriceFen: &price}); err != nil {
		t.Fatal(err)
	}
	ros := roster.NewService(g, now, dbtest.Discard())
	if _, _, err := ros.Upsert(ctx, "s1", []roster.Row{
		{StudentNo: "001", Name: "张三", Level: "本科", Phone: "13800000001"},
		{StudentNo: "002", Name: "李四", Level: "本科", Phone: "13800000002"},
	}); err != nil {
		t.Fatal(err)
	}
	if err := g.Exec("INSERT INTO users (id, openid, unionid, created_at, last_login_at) VALUES ('u1','o1','',?,?),('u2','o2','',?,?)", now(), now(), now(), now()).Error; err != nil {
		t.Fatal(err)
	}
	blobs, _ := storage.NewLocal(t.TempDir())
	photos, reviews := &fakePhotos{pass: true}, &fakeReviews{}
	s := NewService(Deps{DB: g, Schools: schools, Roster: ros, Phones: noPhones{}, Codes: fakeCodes{}, Photos: photos,
		Blobs: blobs, Now: now, Log: dbtest.Discard(), MaxVerifyFailures: 10, DefaultPhotoProfile: "chsi"})
	return s, photos, reviews
}

var zhang = CreateInput{SchoolID: "s1", Level: "本科", Name: "张三", StudentNo: "001", Phone: "13800000001"}

// TestBindingRace: two WeChat accounts verifying the same student at once — exactly
// one gets the collection, the other already_bound.
func TestBindingRace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, g *gorm.DB) {
		s, _, _ := setup(t, g)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, user := range []string{"u1", "u2"} {
			wg.Add(1)
			go func(i int, user string) {
				defer wg.Done()
				_, _, errs[i] = s.Create(context.Background(), user, zhang)
			}(i, user)
		}
		wg.Wait()
		ok, bound := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, ErrAlreadyBound):
				bound++
			default:
				t.Fatalf("unexpected: %v", err)
			}
		}
		if ok != 1 || bound != 1 {
			t.Fatalf("ok=%d bound=%d", ok, bound)
		}
	})
}

func TestStateMachine(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, g *gorm.DB) {
		ctx := context.Background()
		s, photos, reviews := setup(t, g)
		v, created, err := s.Create(ctx, "u1", zhang)
		if err != nil || !created || v.Status != StatusUnconfirmed {
			t.Fatalf("%+v %v %v", v, created, err)
		}
		id := v.ID
		step := func(name string, err error, want Status) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			c, _ := s.ByID(ctx, id)
			if c.Status != want {
				t.Fatalf("%s: status %s, want %s", name, c.Status, want)
			}
		}
		wrongStep := func(name string, err error) {
			t.Helper()
			if !errors.Is(err, ErrWrongStep) {
				t.Fatalf("%s: %v, want wrong_step", name, err)
			}
		}
		_, err = s.SetCaptureCode(ctx, "u1", id, []byte("code-aaaaaaaaaaaaaaaa"))
		wrongStep("code before confirm", err)
		_, err = upload(ctx, s, reviews, "u1", id, []byte("jpeg"))
		wrongStep("photo before code", err)
		_, err = s.Confirm(ctx, "u1", id)
		step("confirm", err, StatusConfirmed)
		_, err = s.Confirm(ctx, "u2", id)
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("another user's confirm: %v", err)
		}
		_, err = s.SetCaptureCode(ctx, "u1", id, []byte("code-aaaaaaaaaaaaaaaa"))
		step("code", err, StatusCodeOK)
		photos.pass = false
		_, err = upload(ctx, s, reviews, "u1", id, []byte("bad photo"))
		if !errors.Is(err, ErrPhotoRejected) {
			t.Fatalf("failing photo: %v", err)
		}
		step("after a failing photo", nil, StatusCodeOK)
		photos.pass = true
		_, err = upload(ctx, s, reviews, "u1", id, []byte("good photo"))
		step("photo", err, StatusPhotoOK)
		err = s.MarkApproved(ctx, id)
		wrongStep("approve before payment", err)
		step("paid", s.MarkPaid(ctx, id), StatusInReview)
		wrongStep("paid twice", s.MarkPaid(ctx, id))
		_, err = s.SetCaptureCode(ctx, "u1", id, []byte("code-bbbbbbbbbbbbbbbb"))
		wrongStep("code after payment", err)
		step("rejected", s.MarkRejected(ctx, id), StatusRejected)
		if _, err := s.ApprovedPhoto(ctx, "u1", id); !errors.Is(err, ErrNotApproved) {
			t.Fatalf("photo before approval: %v", err)
		}
		_, err = upload(ctx, s, reviews, "u1", id, []byte("better photo"))
		step("re-upload goes back to review", err, StatusInReview)
		if len(reviews.enqueued) != 1 || reviews.enqueued[0] != id {
			t.Fatalf("re-upload not queued for review: %v", reviews.enqueued)
		}
		step("approved", s.MarkApproved(ctx, id), StatusApproved)
		data, err := s.ApprovedPhoto(ctx, "u1", id)
		if err != nil || string(data) != "better photo" {
			t.Fatalf("approved photo %q %v", data, err)
		}
		if _, err := s.ApprovedPhoto(ctx, "u2", id); !errors.Is(err, ErrNotFound) {
			t.Fatalf("another user's photo: %v", err)
		}
	})
}

func TestCodeUniqueness(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, g *gorm.DB) {
		ctx := context.Background()
		s, _, _ := setup(t, g)
		a, _, _ := s.Create(ctx, "u1", zhang)
		b, _, err := s.Create(ctx, "u2", CreateInput{SchoolID: "s1", Level: "本科", Name: "李四", StudentNo: "002", Phone: "13800000002"})
		if err != nil {
			t.Fatal(err)
		}
		s.Confirm(ctx, "u1", a.ID)
		s.Confirm(ctx, "u2", b.ID)
		if _, err := s.SetCaptureCode(ctx, "u1", a.ID, []byte("same-code-0123456789")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetCaptureCode(ctx, "u2", b.ID, []byte("same-code-0123456789")); !errors.Is(err, ErrCodeInUse) {
			t.Fatalf("second student, same code: %v", err)
		}
		if _, err := s.SetCaptureCode(ctx, "u1", a.ID, []byte("same-code-0123456789")); err != nil {
			t.Fatalf("same student, same code again: %v", err)
		}
	})
}

func TestRetentionPurgesOnlyUnusedRejectedPhotos(t *testing.T) {
	g := dbtest.SQLite(t)
	ctx := context.Background()
	s, photos, _ := setup(t, g)
	v, _, _ := s.Create(ctx, "u1", zhang)
	s.Confirm(ctx, "u1", v.ID)
	s.SetCaptureCode(ctx, "u1", v.ID, []byte("code-cccccccccccccccc"))
	photos.pass = false
	upload(ctx, s, nil, "u1", v.ID, []byte("rejected"))
	photos.pass = true
	upload(ctx, s, nil, "u1", v.ID, []byte("accepted"))
	if n, err := s.PurgeRejectedPhotos(ctx, time.Hour); err != nil || n != 0 {
		t.Fatalf("purged %d before retention: %v", n, err)
	}
	n, err := s.PurgeRejectedPhotos(ctx, -time.Hour) // everything is past a negative retention
	if err != nil || n != 1 {
		t.Fatalf("purged %d: %v", n, err)
	}
	c, _ := s.ByID(ctx, v.ID)
	if ok, _ := s.d.Blobs.Exists(ctx, PhotoKey(*c.PhotoSHA256)); !ok {
		t.Fatal("the accepted photo was deleted")
	}
}
