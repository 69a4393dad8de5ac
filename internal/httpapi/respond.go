package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/gradphoto/gradphoto/internal/apperr"
)

// statusOf maps error kinds to HTTP status codes (docs/api.md).
func statusOf(k apperr.Kind) int {
	switch k {
	case apperr.KindInvalid:
		return http.StatusBadRequest
	case apperr.KindUnauthorized:
		return http.StatusUnauthorized
	case apperr.KindForbidden:
		return http.StatusForbidden
	case apperr.KindNotFound:
		return http.StatusNotFound
	case apperr.KindConflict:
		return http.StatusConflict
	case apperr.KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case apperr.KindUnsupportedMedia:
		return http.StatusUnsupportedMediaType
	case apperr.KindRejected:
		return http.StatusUnprocessableEntity
	case apperr.KindTooMany:
		return http.StatusTooManyRequests
	case apperr.KindUnavailable:
		return http.StatusServiceUnavailable
	case apperr.KindMethodNotAllowed:
		return http.StatusMethodNotAllowed
	}
	return http.StatusInternalServerError
}

type errorBody struct {
	Error errorPayload `json:"error"`
}

type errorPayload struct {
	Code      string         `json:"code"`
	Message   string         `json:"message"`
	Details   map[string]any `json:"details"`
	RequestID string         `json:"request_id,omitempty"`
}

// fail answers an error in the ErrorBody shape of docs/openapi.yaml. Internal errors and unavailable
// dependencies are logged once with their cause; the client sees a generic
// message and the request id to quote to support.
func (s *Server) fail(c *gin.Context, err error) {
	e := apperr.Public(err)
	status := statusOf(e.Kind)
	rid := requestID(c)
	if status >= 500 {
		s.d.Log.ErrorContext(c.Request.Context(), "request failed", "code", e.Code, "err", err, "request_id", rid, "route", c.FullPath())
	}
	if c.Writer.Header().Get("Retry-After") == "" {
		if secs, ok := e.Details["retry_after_seconds"].(int); ok {
			c.Header("Retry-After", strconv.Itoa(secs))
		} else if status == http.StatusServiceUnavailable {
			c.Header("Retry-After", retryAfter(e))
		}
	}
	details := e.Details
	if details == nil {
		details = map[string]any{}
	}
	c.AbortWithStatusJSON(status, errorBody{Error: errorPayload{Code: e.Code, Message: e.Message, Details: details, RequestID: rid}})
}

// retryAfter tells a client when to try again after a 503, in seconds: soon when the
// server was only busy, longer when a dependency is down.
func retryAfter(e *apperr.Error) string {
	if errors.Is(e, apperr.ErrBusy) {
		return "2"
	}
	return "5"
}

const maxJSONBody = 64 << 10

// bindJSON decodes a JSON body strictly: wrong types, trailing data and bodies over
// 64 KB are 400s with a message naming the field, never 500s.
func bindJSON(c *gin.Context, dst any) error {
	body := http.MaxBytesReader(c.Writer, c.Request.Body, maxJSONBody)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return apperr.Invalid("bad_json", "请求内容不是有效的JSON")
	}
	return nil
}

func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var maxErr *http.MaxBytesError
	switch {
	case errors.As(err, &maxErr):
		return apperr.New(apperr.KindTooLarge, "body_too_large", "请求内容过大")
	case errors.As(err, &typeErr) && typeErr.Field == "":
		return apperr.Invalid("bad_json", "请求内容应为JSON对象")
	case errors.As(err, &typeErr):
		return apperr.Invalid("bad_field_type", "字段类型不正确："+typeErr.Field).WithDetails(map[string]any{"field": typeErr.Field})
	case errors.Is(err, io.EOF):
		return apperr.Invalid("bad_json", "请求内容不能为空")
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return apperr.Invalid("unknown_field", "不支持的字段："+field).WithDetails(map[string]any{"field": field})
	}
	return apperr.Invalid("bad_json", "请求内容不是有效的JSON")
}

// maxLen rejects over-long strings before they reach a service.
func maxLen(field, v string, n int) error {
	if utf8.RuneCountInString(v) > n {
		return apperr.Invalid("field_too_long", "字段过长："+field).WithDetails(map[string]any{"field": field, "max": n})
	}
	return nil
}
