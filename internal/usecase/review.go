package usecase

import (
	"context"
	"encoding/json"
	"time"

	"github.com/gradphoto/gradphoto/internal/apperr"

	"github.com/gradphoto/gradphoto/internal/auth"
	"github.com/gradphoto/gradphoto/internal/collection"
	"github.com/gradphoto/gradphoto/internal/review"
	"github.com/gradphoto/gradphoto/internal/school"
	"github.com/gradphoto/gradphoto/internal/storage"
)

// Reviewer is what a reviewer sees beyond the queue's own answers: the photo itself.
type Reviewer struct{ d Deps }

// Photo returns the photo of a task the reviewer holds (the review queue checks the
// claim and audits the view): the standard photo they judge, or the upload byte for
// byte when original.
func (u *Reviewer) Photo(ctx context.Context, reviewer string, taskID int64, original bool) ([]byte, error) {
	subj, err := u.d.Reviews.PhotoSubject(ctx, reviewer, taskID)
	if err != nil {
		return nil, err
	}
	key := subj.PhotoKey
	if original {
		key = subj.OriginalKey
	}
	if key == "" {
		return nil, apperr.ErrNotFound
	}
	data, err := storage.ReadAll(ctx, u.d.Blobs, key)
	if err != nil {
		return nil, apperr.ErrUnavailable.Wrap(err)
	}
	return data, nil
}

// ReviewSubjects is what the review queue asks of a collection (review.Collections):
// who the student is, which photo the reviewer judges, and the collection's side of a
// decision, inside the review's transaction.
type ReviewSubjects struct {
	cols    *collection.Service
	schools *school.Service
	auth    *auth.Service
	// templateID names the configured subscribe template of a notify template ("" when
	// the subscribe channel is off).
	templateID func(template string) string
}

// NewReviewSubjects builds review's view of collections.
func NewReviewSubjects(cols *collection.Service, schools *school.Service, accounts *auth.Service, templateID func(string) string) *ReviewSubjects {
	return &ReviewSubjects{cols: cols, schools: schools, auth: accounts, templateID: templateID}
}

// ReviewSubject is the student and photo under review. The reviewer judges the standard
// photo, the bytes the school delivers; a photo uploaded before standard photos existed
// is judged as uploaded.
func (r *ReviewSubjects) ReviewSubject(ctx context.Context, collectionID string) (review.Subject, error) {
	c, err := r.cols.ByID(ctx, collectionID)
	if err != nil {
		return review.Subject{}, err
	}
	sc, err := r.schools.Get(ctx, c.SchoolID)
	if err != nil {
		return review.Subject{}, err
	}
	openID, err := r.auth.OpenID(ctx, c.UserID)
	if err != nil {
		return review.Subject{}, err
	}
	subj := review.Subject{CollectionID: c.ID, SchoolID: c.SchoolID, SchoolName: sc.Name, Level: c.Level, Name: c.Name,
		StudentNo: c.StudentNo, Phone: c.Phone, OpenID: openID}
	if c.PhotoSHA256 != nil {
		subj.OriginalKey = collection.PhotoKey(*c.PhotoSHA256)
		subj.PhotoKey = subj.OriginalKey
	}
	if c.PhotoStandardSHA256 != nil {
		subj.PhotoKey = collection.StandardPhotoKey(*c.PhotoStandardSHA256)
	}
	if c.PhotoChecks != nil && json.Valid([]byte(*c.PhotoChecks)) {
		subj.Checks = json.RawMessage(*c.PhotoChecks)
	}
	if c.PhotoGeometry != nil && json.Valid([]byte(*c.PhotoGeometry)) {
		subj.Geometry = json.RawMessage(*c.PhotoGeometry)
	}
	return subj, nil
}

// UseSubscription takes one of the student's acceptances of the template's configured
// id; false when the channel is off or none is left.
func (r *ReviewSubjects) UseSubscription(ctx context.Context, collectionID, template, usedFor string) (bool, error) {
	id := r.templateID(template)
	if id == "" {
		return false, nil
	}
	return r.cols.UseSubscription(ctx, collectionID, id, usedFor)
}

// LockForDecision locks the collection for a decision and returns its status.
func (r *ReviewSubjects) LockForDecision(ctx context.Context, collectionID string) (string, error) {
	c, err := r.cols.LockForDecision(ctx, collectionID)
	if err != nil {
		return "", err
	}
	return string(c.Status), nil
}

// MarkApproved moves the collection in_review → approved.
func (r *ReviewSubjects) MarkApproved(ctx context.Context, collectionID string, _ time.Time) error {
	return r.cols.MarkApproved(ctx, collectionID)
}

// MarkRejected moves the collection in_review → rejected.
func (r *ReviewSubjects) MarkRejected(ctx context.Context, collectionID string, _ []string, _ time.Time) error {
	return r.cols.MarkRejected(ctx, collectionID)
}
