package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/auth"
	"github.com/gradphoto/gradphoto/internal/review"
)

// reviewHandlers serve the reviewers' queue.
type reviewHandlers struct {
	s       *Server
	reviews *review.Service
}

// mountReview adds the reviewers' queue: checklist, claim, photo, release, decision.
func mountReview(admin gin.IRouter, s *Server, reviews *review.Service) {
	if reviews == nil {
		return
	}
	h := &reviewHandlers{s: s, reviews: reviews}
	g := admin.Group("/reviews", s.requireStaff(auth.RoleReviewer))
	g.GET("/reasons", h.reasons)
	g.POST("/claim", h.claim)
	g.GET("/:id/photo", h.photo)
	g.GET("/:id/photo/original", h.photo)
	g.POST("/:id/release", h.release)
	g.POST("/:id/decision", h.decide)
}

// reviewer names the staff member in the audit trail.
func reviewer(c *gin.Context) string {
	p := principal(c)
	if p.Username != "" {
		return p.Username
	}
	return p.Subject
}

var errBadTaskID = apperr.Invalid("bad_review_id", "审核任务编号不正确")

func taskID(c *gin.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errBadTaskID
	}
	return id, nil
}

func (h *reviewHandlers) reasons(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"reasons": review.Reasons})
}

func (h *reviewHandlers) claim(c *gin.Context) {
	cl, err := h.reviews.Claim(c.Request.Context(), reviewer(c))
	if err != nil {
		h.s.fail(c, err)
		return
	}
	if cl == nil {
		c.Status(http.StatusNoContent)
		return
	}
	checks := cl.Subject.Checks
	if len(checks) == 0 {
		checks = json.RawMessage("[]")
	}
	geometry := cl.Subject.Geometry
	if len(geometry) == 0 {
		geometry = json.RawMessage("null")
	}
	c.JSON(http.StatusOK, gin.H{"review": claimJSON{
		ID: cl.Task.ID, Round: cl.Task.Round,
		Collection: claimCollection{ID: cl.Subject.CollectionID,
			School: map[string]string{"id": cl.Subject.SchoolID, "name": cl.Subject.SchoolName},
			Level:  cl.Subject.Level, Name: cl.Subject.Name, StudentNo: cl.Subject.StudentNo},
		PhotoURL:    fmt.Sprintf("/admin/api/v1/reviews/%d/photo", cl.Task.ID),
		OriginalURL: fmt.Sprintf("/admin/api/v1/reviews/%d/photo/original", cl.Task.ID),
		Checks:      checks, Geometry: geometry, LeaseUntil: cl.Task.LeaseExpiresAt, Deadline: cl.Task.Deadline, PaidAt: cl.Task.PaidAt,
		Reasons: review.Reasons,
	}})
}

func (h *reviewHandlers) photo(c *gin.Context) {
	id, err := taskID(c)
	if err != nil {
		h.s.fail(c, err)
		return
	}
	data, err := h.s.d.Cases.Reviewer.Photo(c.Request.Context(), reviewer(c), id, strings.HasSuffix(c.FullPath(), "/original"))
	if err != nil {
		h.s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, "image/jpeg", data)
}

// release gives a claimed task back to the queue, undecided: 204.
func (h *reviewHandlers) release(c *gin.Context) {
	id, err := taskID(c)
	if err != nil {
		h.s.fail(c, err)
		return
	}
	if err := h.reviews.Release(c.Request.Context(), reviewer(c), id); err != nil {
		h.s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (h *reviewHandlers) decide(c *gin.Context) {
	id, err := taskID(c)
	if err != nil {
		h.s.fail(c, err)
		return
	}
	var d review.Decision
	if err := bindJSON(c, &d); err != nil {
		h.s.fail(c, err)
		return
	}
	t, err := h.reviews.Decide(c.Request.Context(), reviewer(c), id, d)
	if err != nil {
		h.s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"review": taskJSON{ID: t.ID, CollectionID: t.CollectionID, Round: t.Round,
		Status: t.Status, Reasons: t.Reasons, Note: t.Note, DecidedBy: t.DecidedBy, DecidedAt: t.DecidedAt, Deadline: t.Deadline}})
}
