package collection

import (
	"context"
	"fmt"
	"time"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/db"
)

// SubscribeAcceptance is one 允许 the student tapped in wx.requestSubscribeMessage
// (table subscribe_acceptances). WeChat delivers exactly one message per acceptance, so
// each is used up by one send (UsedAt).
type SubscribeAcceptance struct {
	ID           int64      `gorm:"primaryKey;autoIncrement"`
	CollectionID string     `gorm:"size:40;not null"`
	TemplateID   string     `gorm:"size:128;not null"`
	AcceptedAt   time.Time  `gorm:"not null"`
	UsedAt       *time.Time `gorm:""`
	UsedFor      string     `gorm:"size:64;not null"`
}

func (SubscribeAcceptance) TableName() string { return "subscribe_acceptances" }

// maxOpenAcceptances bounds the unused acceptances kept per template: a student tapping
// 允许 on every visit gains nothing beyond the results that can still come.
const maxOpenAcceptances = 5

// ErrUnknownTemplate: the accepted id is not one of the configured templates.
var ErrUnknownTemplate = apperr.Invalid("invalid_field", "订阅消息模板无效，请重新打开小程序后再试").
	WithDetails(map[string]any{"field": "accepted"})

// AcceptSubscriptions records the templates the student accepted, as
// wx.requestSubscribeMessage returned them (its "accept" keys). An empty list (every
// template refused) changes nothing.
func (s *Service) AcceptSubscriptions(ctx context.Context, userID, id string, accepted []string) (*Collection, error) {
	known := map[string]bool{}
	for _, t := range s.d.SubscribeTemplates {
		known[t] = t != ""
	}
	seen := map[string]bool{}
	var ids []string
	for _, t := range accepted {
		if !known[t] {
			return nil, ErrUnknownTemplate
		}
		if !seen[t] {
			seen[t] = true
			ids = append(ids, t)
		}
	}
	return s.transition(ctx, userID, id, func(ctx context.Context, c *Collection) error {
		q := db.Conn(ctx, s.d.DB)
		for _, t := range ids {
			var open int64
			if err := q.Model(&SubscribeAcceptance{}).Where("collection_id = ? AND template_id = ? AND used_at IS NULL", c.ID, t).
				Count(&open).Error; err != nil {
				return apperr.Internal(err)
			}
			if open >= maxOpenAcceptances {
				continue
			}
			if err := q.Create(&SubscribeAcceptance{CollectionID: c.ID, TemplateID: t, AcceptedAt: s.d.Now()}).Error; err != nil {
				return apperr.Internal(err)
			}
		}
		return nil
	})
}

// UseSubscription takes one unused acceptance of templateID for the collection, for the
// message usedFor; false when there is none (the message must not be sent: WeChat would
// answer 43101). Atomic: two senders never take the same acceptance. It joins the
// caller's transaction (db.Conn).
func (s *Service) UseSubscription(ctx context.Context, collectionID, templateID, usedFor string) (bool, error) {
	q := db.Conn(ctx, s.d.DB)
	for attempt := 0; attempt < 3; attempt++ {
		var a SubscribeAcceptance
		err := q.Where("collection_id = ? AND template_id = ? AND used_at IS NULL", collectionID, templateID).
			Order("id").Take(&a).Error
		if db.IsNotFound(err) {
			return false, nil
		}
		if err != nil {
			return false, apperr.Internal(fmt.Errorf("collection: use subscription: %w", err))
		}
		res := q.Model(&SubscribeAcceptance{}).Where("id = ? AND used_at IS NULL", a.ID).
			Updates(map[string]any{"used_at": s.d.Now(), "used_for": usedFor})
		if res.Error != nil {
			return false, apperr.Internal(fmt.Errorf("collection: use subscription: %w", res.Error))
		}
		if res.RowsAffected == 1 {
			return true, nil
		}
		// Another sender took it between the read and the update: try the next one.
	}
	return false, nil
}

// OpenSubscriptions lists the templates with an unused acceptance (a result of each
// will reach the student in WeChat), never nil.
func (s *Service) OpenSubscriptions(ctx context.Context, collectionID string) ([]string, error) {
	var ids []string
	if err := db.Conn(ctx, s.d.DB).Model(&SubscribeAcceptance{}).
		Where("collection_id = ? AND used_at IS NULL", collectionID).Distinct().Order("template_id").
		Pluck("template_id", &ids).Error; err != nil {
		return nil, apperr.Internal(err)
	}
	if ids == nil {
		ids = []string{}
	}
	return ids, nil
}
