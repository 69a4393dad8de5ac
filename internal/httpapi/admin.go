package httpapi

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/audit"
	"github.com/gradphoto/gradphoto/internal/auth"
	"github.com/gradphoto/gradphoto/internal/collection"
	"github.com/gradphoto/gradphoto/internal/roster"
	"github.com/gradphoto/gradphoto/internal/school"
	"github.com/gradphoto/gradphoto/internal/usecase"
)

// AdminDeps are the services behind the staff API's school, roster, export, look-up,
// and audit endpoints.
type AdminDeps struct {
	Staff    *collection.Staff
	Importer *roster.Importer
	Trail    *audit.Log
	// MaxRosterBytes bounds a roster upload (default 32 MB: 50 000 rows are ~3 MB).
	MaxRosterBytes int64
}

// mountAdmin adds the staff API's school, roster, student, export, look-up, refund
// and audit routes. Roles are checked by requireStaff and again, with the school
// scope, by the services.
func (s *Server) mountAdmin(admin gin.IRouter) {
	a := s.d.Admin
	if a == nil {
		return
	}
	admin.POST("/schools", s.requireStaff(), s.createSchool)
	admin.PATCH("/schools/:id", s.requireStaff(), s.updateSchool)
	sch := admin.Group("/schools/:id", s.requireStaff(auth.RoleSchoolAdmin))
	sch.POST("/roster", s.importRoster)
	sch.GET("/students", s.listStudents)
	sch.GET("/stats", s.schoolStats)
	sch.GET("/export", s.exportPhotos)
	sch.GET("/batches", s.listBatches)
	sch.POST("/chsi-results", s.importCHSIResults)
	batch := admin.Group("/batches/:id", s.requireStaff(auth.RoleSchoolAdmin))
	batch.GET("/download", s.downloadBatch)
	batch.POST("/submitted", s.batchSubmitted)
	admin.GET("/lookup", s.requireStaff(auth.RoleSupport), s.lookup)
	s.mountSeason(admin)
	admin.POST("/orders/:out_trade_no/refund", s.requireStaff(auth.RoleSupport), s.staffRefund)
	admin.GET("/audit", s.requireStaff(), s.auditList)
}

// actor is the calling staff member as the services and the audit trail know them.
func actor(c *gin.Context) audit.Actor {
	p := principal(c)
	name := p.Username
	if name == "" {
		name = "staff#" + p.Subject
	}
	return audit.Actor{Username: name, Role: p.Role, SchoolID: p.SchoolID, IP: c.ClientIP()}
}

func (s *Server) createSchool(c *gin.Context) {
	var in school.Input
	if err := bindJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	sc, err := s.d.Cases.Schools.Create(c.Request.Context(), actor(c), in)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"school": toAdminSchoolJSON(sc)})
}

func (s *Server) updateSchool(c *gin.Context) {
	var in school.Input
	if err := bindJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	sc, err := s.d.Cases.Schools.Update(c.Request.Context(), actor(c), c.Param("id"), in)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"school": toAdminSchoolJSON(sc)})
}

func (s *Server) importRoster(c *gin.Context) {
	name, data, err := s.readRosterUpload(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	res, err := s.d.Admin.Importer.Import(c.Request.Context(), actor(c), c.Param("id"), name, data, nil)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, rosterImportJSON{Created: res.Created, Updated: res.Updated, Errors: toImportErrorsJSON(res.Errors)})
}

// readRosterUpload reads the multipart field "file" and its file name.
func (s *Server) readRosterUpload(c *gin.Context) (string, []byte, error) {
	limit := s.d.Admin.MaxRosterBytes
	if limit <= 0 {
		limit = 32 << 20
	}
	tooLarge := apperr.ErrTooLarge.WithMessage("名单文件过大，请上传不超过" + strconv.FormatInt(limit>>20, 10) + "MB的文件")
	if c.Request.ContentLength > limit+64<<10 {
		return "", nil, tooLarge
	}
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return "", nil, errNotMultipart
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit+64<<10)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return "", nil, errNotMultipart
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return "", nil, apperr.Invalid("file_missing", "请选择要上传的名单文件（字段 file）")
		}
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return "", nil, tooLarge
		}
		if err != nil {
			return "", nil, apperr.Invalid("bad_multipart", "上传内容不完整，请重试")
		}
		if part.FormName() != "file" {
			_ = part.Close()
			continue
		}
		var buf bytes.Buffer
		n, err := io.Copy(&buf, io.LimitReader(part, limit+1))
		if errors.As(err, &maxErr) || n > limit {
			return "", nil, tooLarge
		}
		if err != nil {
			return "", nil, apperr.Invalid("bad_multipart", "上传内容不完整，请重试")
		}
		return part.FileName(), buf.Bytes(), nil
	}
}

// queryInt reads an optional positive integer query parameter.
func queryInt(c *gin.Context, name string) (int, error) {
	v := c.Query(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, collection.ErrBadPage
	}
	return n, nil
}

func (s *Server) listStudents(c *gin.Context) {
	page, err1 := queryInt(c, "page")
	size, err2 := queryInt(c, "page_size")
	if err := errors.Join(err1, err2); err != nil {
		s.fail(c, collection.ErrBadPage)
		return
	}
	p, err := s.d.Admin.Staff.ListStudents(c.Request.Context(), actor(c), c.Param("id"), collection.StudentFilter{
		Status: c.Query("status"), Query: c.Query("q"), Page: page, PageSize: size,
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toStudentPageJSON(p))
}

func (s *Server) schoolStats(c *gin.Context) {
	st, err := s.d.Cases.SchoolAdmin.Stats(c.Request.Context(), actor(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"school_id": c.Param("id"), "roster_total": st.RosterTotal, "by_status": st.ByStatus,
		"paid_total_fen": st.PaidTotalFen, "overdue_reviews": st.OverdueReviews})
}

// exportPhotos makes a new export batch and streams its ZIP.
func (s *Server) exportPhotos(c *gin.Context) {
	plan, err := s.d.Admin.Staff.PlanExport(c.Request.Context(), actor(c), c.Param("id"), c.Query("all") == "1" || c.Query("all") == "true")
	if err != nil {
		s.fail(c, err)
		return
	}
	s.streamBatch(c, plan)
}

// downloadBatch streams an existing batch's ZIP again, byte for byte.
func (s *Server) downloadBatch(c *gin.Context) {
	plan, err := s.d.Admin.Staff.PlanDownload(c.Request.Context(), actor(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.streamBatch(c, plan)
}

// streamBatch writes a batch's ZIP. Once the first byte is out an error can no longer
// be an error body: the connection is aborted instead, so that the client sees a failed
// download rather than a short ZIP (the batch stays, to be downloaded again).
func (s *Server) streamBatch(c *gin.Context, plan *collection.ExportPlan) {
	ctx := c.Request.Context()
	// Thousands of photos outlast the server's write timeout; this response gets its own.
	_ = http.NewResponseController(c.Writer).SetWriteDeadline(time.Now().Add(2 * time.Hour))
	c.Header("Content-Type", "application/zip")
	c.Header("Content-Disposition", `attachment; filename="`+plan.FileName()+`"`)
	c.Header("Cache-Control", "private, no-store")
	c.Header("X-Export-Batch", strconv.FormatInt(plan.BatchID(), 10))
	c.Header("X-Export-Count", strconv.Itoa(plan.Count()))
	c.Status(http.StatusOK)
	res, err := plan.WriteZIP(ctx, c.Writer)
	if err != nil {
		s.d.Log.WarnContext(ctx, "export stream failed", "batch_id", plan.BatchID(), "written", res.Exported, "err", err, "request_id", requestID(c))
		panic(http.ErrAbortHandler)
	}
	s.d.Log.InfoContext(ctx, "export done", "batch_id", plan.BatchID(), "exported", res.Exported, "skipped", res.Skipped)
}

func (s *Server) listBatches(c *gin.Context) {
	bs, err := s.d.Admin.Staff.ListBatches(c.Request.Context(), actor(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]batchJSON, len(bs))
	for i := range bs {
		out[i] = toBatchJSON(&bs[i])
	}
	c.JSON(http.StatusOK, gin.H{"batches": out})
}

func (s *Server) batchSubmitted(c *gin.Context) {
	b, err := s.d.Admin.Staff.MarkSubmitted(c.Request.Context(), actor(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"batch": toBatchJSON(b)})
}

func (s *Server) importCHSIResults(c *gin.Context) {
	name, data, err := s.readRosterUpload(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	res, err := s.d.Admin.Staff.ImportCHSIResults(c.Request.Context(), actor(c), c.Param("id"), name, data)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, chsiResultsJSON{Accepted: res.Accepted, Failed: res.Failed, Unchanged: res.Unchanged, Errors: toImportErrorsJSON(res.Errors)})
}

// lookup answers support: the student's collection(s) with order, review and message
// timeline. The phone is masked; the name is shown in full, because support must
// confirm who is calling (name + 学号) and every look-up is audited.
func (s *Server) lookup(c *gin.Context) {
	found, err := s.d.Cases.Support.Lookup(c.Request.Context(), actor(c), usecase.LookupQuery{
		Phone: c.Query("phone"), StudentNo: c.Query("student_no"), OutTradeNo: c.Query("out_trade_no"),
		Name: c.Query("name"), SchoolID: c.Query("school_id"),
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]lookupResult, len(found))
	for i, r := range found {
		out[i] = lookupResult{Collection: toCollectionJSON(r.Collection), Notifications: toNotificationsJSON(r.Notifications), Refundable: r.Refundable,
			Order: toLookupOrderJSON(r.Order), Review: toLookupReviewJSON(r.Review)}
	}
	c.JSON(http.StatusOK, gin.H{"results": out})
}

// staffRefund refunds an order: the refund use case checks the reason, applies the
// rule, audits every attempt and serialises the refund with review decisions.
func (s *Server) staffRefund(c *gin.Context) {
	var req struct {
		Reason string `json:"reason"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	refunded, err := s.d.Cases.Refunds.Refund(c.Request.Context(), actor(c), c.Param("out_trade_no"), req.Reason)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"order": toOrderJSON(refunded)})
}

func (s *Server) auditList(c *gin.Context) {
	page, err1 := queryInt(c, "page")
	size, err2 := queryInt(c, "page_size")
	if errors.Join(err1, err2) != nil {
		s.fail(c, collection.ErrBadPage)
		return
	}
	action, who := c.Query("action"), c.Query("actor")
	if err := errors.Join(maxLen("action", action, 32), maxLen("actor", who, 64)); err != nil {
		s.fail(c, apperr.As(err))
		return
	}
	p, err := s.d.Admin.Trail.List(c.Request.Context(), actor(c), audit.Filter{Action: action, Actor: who, Page: page, PageSize: size})
	if err != nil {
		s.fail(c, err)
		return
	}
	entries := make([]auditEntryJSON, len(p.Entries))
	for i := range p.Entries {
		entries[i] = toAuditEntryJSON(&p.Entries[i])
	}
	c.JSON(http.StatusOK, gin.H{"entries": entries, "total": p.Total, "page": p.Page, "page_size": p.PageSize})
}
