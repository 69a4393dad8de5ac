package sandbox

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
)

// SentSMS is one SMS the log provider "sent".
type SentSMS struct {
	ID           int64
	Phone        string
	Template     string
	Params       map[string]string
	Text         string
	CollectionID string
	SentAt       *time.Time
}

// SentLister lists the SMS the log provider "sent", newest first (the app adapts the
// notification outbox: the sandbox knows no gradphoto package).
type SentLister interface {
	RecentSMS(ctx context.Context, limit int) ([]SentSMS, error)
}

// SMS serves GET /sms: the SMS the log provider sent, newest first (dev aid).
type SMS struct{ sent SentLister }

// NewSMS lists through sent.
func NewSMS(sent SentLister) *SMS { return &SMS{sent: sent} }

// Mount adds the route to the /sandbox group.
func (s *SMS) Mount(r gin.IRouter) { r.GET("/sms", s.list) }

type smsView struct {
	ID           int64             `json:"id"`
	Phone        string            `json:"phone"` // unmasked: dev mode only, so tests can find their student
	Template     string            `json:"template"`
	Params       map[string]string `json:"params"`
	Text         string            `json:"text"`
	CollectionID string            `json:"collection_id"`
	SentAt       *time.Time        `json:"sent_at"`
}

func (s *SMS) list(c *gin.Context) {
	limit, _ := strconv.Atoi(c.DefaultQuery("limit", "100"))
	recs, err := s.sent.RecentSMS(c.Request.Context(), limit)
	if err != nil {
		c.JSON(http.StatusServiceUnavailable, gin.H{"error": gin.H{"code": "unavailable", "message": "服务暂时不可用，请稍后再试"}})
		return
	}
	phone := c.Query("phone")
	out := make([]smsView, 0, len(recs))
	for _, r := range recs {
		if phone != "" && r.Phone != phone {
			continue
		}
		out = append(out, smsView{ID: r.ID, Phone: r.Phone, Template: r.Template, Params: r.Params,
			Text: r.Text, CollectionID: r.CollectionID, SentAt: r.SentAt})
	}
	c.JSON(http.StatusOK, gin.H{"messages": out})
}
