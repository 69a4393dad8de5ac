package httpapi

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gradphoto/gradphoto/internal/auth"
	"github.com/gradphoto/gradphoto/internal/roster"
	"github.com/gradphoto/gradphoto/internal/usecase"
)

// mountSeason adds the season tools (api.md "Additions — season tools"): support's
// phone reveal, result resend, unbind and call-back list; the school administrator's
// single roster entry, Excel lists and reminders; the admin's staff accounts.
func (s *Server) mountSeason(admin gin.IRouter) {
	support := admin.Group("", s.requireStaff(auth.RoleSupport))
	support.POST("/collections/:id/reveal-phone", s.revealPhone)
	support.POST("/collections/:id/resend-result", s.resendResult)
	support.POST("/collections/:id/unbind", s.unbind)
	support.GET("/callbacks", s.callbacks)

	sch := admin.Group("/schools/:id", s.requireStaff(auth.RoleSchoolAdmin))
	sch.PUT("/students/:student_no", s.putStudent)
	sch.GET("/students.xlsx", s.studentsXLSX)
	sch.POST("/reminders", s.reminders)

	staff := admin.Group("/staff", s.requireStaff())
	staff.GET("", s.listStaff)
	staff.POST("", s.createStaff)
	staff.PATCH("/:id", s.updateStaff)
}

// reasonBody is the body of the actions that must say why.
type reasonBody struct {
	Reason string `json:"reason"`
}

func (s *Server) revealPhone(c *gin.Context) {
	var req reasonBody
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	phone, err := s.d.Cases.Support.RevealPhone(c.Request.Context(), actor(c), c.Param("id"), req.Reason)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"phone": phone})
}

func (s *Server) resendResult(c *gin.Context) {
	t, err := s.d.Cases.Support.ResendResult(c.Request.Context(), actor(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"queued": true, "result": t.Status, "round": t.Round})
}

func (s *Server) unbind(c *gin.Context) {
	var req reasonBody
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.d.Cases.Support.Unbind(c.Request.Context(), actor(c), c.Param("id"), req.Reason); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"collection_id": c.Param("id"), "unbound": true})
}

func (s *Server) callbacks(c *gin.Context) {
	list, err := s.d.Cases.Support.Callbacks(c.Request.Context(), actor(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]callbackJSON, len(list))
	for i, cb := range list {
		out[i] = callbackJSON{Reason: cb.Reason, Collection: toCollectionJSON(cb.Collection), Rounds: cb.Rounds, Order: toLookupOrderJSON(cb.Order)}
	}
	c.JSON(http.StatusOK, gin.H{"callbacks": out})
}

func (s *Server) putStudent(c *gin.Context) {
	var req struct {
		Name         string `json:"name"`
		Level        string `json:"level"`
		Phone        string `json:"phone"`
		HasCHSIPhoto bool   `json:"has_chsi_photo"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	e, created, err := s.d.Cases.SchoolAdmin.PutStudent(c.Request.Context(), actor(c), c.Param("id"), c.Param("student_no"),
		usecase.StudentInput{Name: req.Name, Level: req.Level, Phone: req.Phone, HasCHSIPhoto: req.HasCHSIPhoto})
	if err != nil {
		s.fail(c, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	out := studentJSON{StudentNo: e.StudentNo, Name: e.Name, Level: e.Level, AlreadyHasCHSIPhoto: e.HasCHSIPhoto}
	if e.Phone != "" {
		out.PhoneMasked = roster.MaskPhone(e.Phone)
	}
	c.JSON(status, gin.H{"student": out})
}

func (s *Server) studentsXLSX(c *gin.Context) {
	var buf bytes.Buffer
	status := c.Query("status")
	if _, err := s.d.Cases.SchoolAdmin.StudentsXLSX(c.Request.Context(), actor(c), c.Param("id"), status, &buf); err != nil {
		s.fail(c, err)
		return
	}
	name := "学生名单-" + c.Param("id")
	if status != "" {
		name += "-" + status
	}
	name += "-" + time.Now().UTC().Format("20060102") + ".xlsx"
	c.Header("Content-Disposition", `attachment; filename="students.xlsx"; filename*=UTF-8''`+url.PathEscape(name))
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes())
}

func (s *Server) reminders(c *gin.Context) {
	var req struct {
		Status string `json:"status"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	res, err := s.d.Cases.SchoolAdmin.Remind(c.Request.Context(), actor(c), c.Param("id"), req.Status)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, remindersJSON{Sent: res.Sent, Skipped: res.Skipped})
}

func (s *Server) listStaff(c *gin.Context) {
	list, err := s.d.Cases.StaffAdmin.List(c.Request.Context(), actor(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]staffJSON, len(list))
	for i := range list {
		out[i] = toStaffJSON(&list[i])
	}
	c.JSON(http.StatusOK, gin.H{"staff": out})
}

func (s *Server) createStaff(c *gin.Context) {
	var req struct {
		Username string `json:"username"`
		Role     string `json:"role"`
		SchoolID string `json:"school_id"`
		Password string `json:"password"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	acc, err := s.d.Cases.StaffAdmin.Create(c.Request.Context(), actor(c),
		auth.StaffInput{Username: req.Username, Role: req.Role, SchoolID: req.SchoolID, Password: req.Password})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"staff": toStaffJSON(acc)})
}

func (s *Server) updateStaff(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		s.fail(c, auth.ErrStaffNotFound)
		return
	}
	var req struct {
		Role     *string `json:"role"`
		SchoolID *string `json:"school_id"`
		Disabled *bool   `json:"disabled"`
		Password *string `json:"password"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	acc, err := s.d.Cases.StaffAdmin.Update(c.Request.Context(), actor(c), id,
		auth.StaffPatch{Role: req.Role, SchoolID: req.SchoolID, Disabled: req.Disabled, Password: req.Password})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"staff": toStaffJSON(acc)})
}
