package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/audit"
)

// teeWriter keeps the first bytes of a response (a login answer is small).
type teeWriter struct {
	gin.ResponseWriter
	buf bytes.Buffer
}

func (w *teeWriter) Write(p []byte) (int, error) {
	if room := 4096 - w.buf.Len(); room > 0 {
		w.buf.Write(p[:min(len(p), room)])
	}
	return w.ResponseWriter.Write(p)
}

// auditStaffLogin writes every staff login attempt to the audit trail: the username
// tried, the outcome (and role on success), the client address. It never records the
// password, and a trail failure does not change the login's answer.
func (s *Server) auditStaffLogin() gin.HandlerFunc {
	return func(c *gin.Context) {
		if s.d.Admin == nil || s.d.Admin.Trail == nil {
			c.Next()
			return
		}
		raw, err := io.ReadAll(io.LimitReader(c.Request.Body, maxJSONBody+1))
		if err != nil {
			s.fail(c, apperr.ErrBadRequest)
			return
		}
		c.Request.Body = io.NopCloser(bytes.NewReader(raw))
		var req struct {
			Username string `json:"username"`
		}
		_ = json.Unmarshal(raw, &req)
		tw := &teeWriter{ResponseWriter: c.Writer}
		c.Writer = tw
		c.Next()

		who := audit.Actor{Username: req.Username, IP: c.ClientIP()}
		if c.Writer.Status() == http.StatusOK {
			var ans struct {
				Role     string  `json:"role"`
				SchoolID *string `json:"school_id"`
			}
			_ = json.Unmarshal(tw.buf.Bytes(), &ans)
			who.Role = ans.Role
			if ans.SchoolID != nil {
				who.SchoolID = *ans.SchoolID
			}
			s.d.Admin.Trail.RecordBestEffort(c.Request.Context(), who, audit.ActionLogin, req.Username, nil)
			return
		}
		var ans errorBody
		_ = json.Unmarshal(tw.buf.Bytes(), &ans)
		s.d.Admin.Trail.RecordBestEffort(c.Request.Context(), who, audit.ActionLoginFailed, req.Username,
			map[string]any{"code": ans.Error.Code, "status": c.Writer.Status()})
	}
}
