// Package apperr holds the one error type that crosses package boundaries: a kind
// (which decides the HTTP status), a stable English code and a Chinese message that
// is safe to show a student as it is.
package apperr

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
)

// Kind classifies an error; internal/httpapi maps each kind to one status code.
type Kind int

const (
	KindInternal         Kind = iota
	KindInvalid               // 400: malformed input
	KindUnauthorized          // 401
	KindForbidden             // 403
	KindNotFound              // 404
	KindConflict              // 409: wrong step, duplicate, already bound
	KindTooLarge              // 413
	KindUnsupportedMedia      // 415
	KindRejected              // 422: well-formed but rejected (photo checks, QR not found, roster mismatch)
	KindTooMany               // 429
	KindUnavailable           // 503: a dependency is down
	KindMethodNotAllowed      // 405
)

// Error is a domain error. Details travel to the client as error.details.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Details map[string]any
	Err     error // the cause, logged, never shown
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Is matches another *Error by code, so errors.Is(err, apperr.ErrX) works through wrapping.
func (e *Error) Is(target error) bool {
	var t *Error
	if errors.As(target, &t) {
		return t.Code == e.Code
	}
	return false
}

// WithDetails returns a copy carrying details for the client.
func (e *Error) WithDetails(d map[string]any) *Error {
	c := *e
	c.Details = d
	return &c
}

// Wrap returns a copy with a cause attached (for logs).
func (e *Error) Wrap(cause error) *Error {
	c := *e
	c.Err = cause
	return &c
}

// WithMessage returns a copy with another student-facing message.
func (e *Error) WithMessage(msg string) *Error {
	c := *e
	c.Message = msg
	return &c
}

// New builds an error.
func New(kind Kind, code, message string) *Error {
	return &Error{Kind: kind, Code: code, Message: message}
}

func Invalid(code, message string) *Error      { return New(KindInvalid, code, message) }
func NotFound(code, message string) *Error     { return New(KindNotFound, code, message) }
func Conflict(code, message string) *Error     { return New(KindConflict, code, message) }
func Forbidden(code, message string) *Error    { return New(KindForbidden, code, message) }
func Unauthorized(code, message string) *Error { return New(KindUnauthorized, code, message) }
func Rejected(code, message string) *Error     { return New(KindRejected, code, message) }
func TooMany(code, message string) *Error      { return New(KindTooMany, code, message) }
func Unavailable(code, message string) *Error  { return New(KindUnavailable, code, message) }

// Internal wraps an unexpected failure; the client sees only a generic message.
func Internal(cause error) *Error {
	return &Error{Kind: KindInternal, Code: "internal", Message: "服务器繁忙，请稍后再试", Err: cause}
}

// As extracts the *Error from err; anything else is an internal error.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}

// Errors shared by several packages. Package-specific ones live in their package.
var (
	ErrBadRequest   = Invalid("bad_request", "请求格式不正确")
	ErrUnauthorized = Unauthorized("unauthorized", "登录已过期，请重新登录")
	ErrForbidden    = Forbidden("forbidden", "无权进行此操作")
	ErrNotFound     = NotFound("not_found", "未找到相关信息")
	ErrTooLarge     = New(KindTooLarge, "file_too_large", "文件过大，请上传不超过10MB的文件")
	ErrUnsupported  = New(KindUnsupportedMedia, "unsupported_media_type", "文件格式不支持")
	ErrRateLimited  = TooMany("rate_limited", "操作过于频繁，请稍后再试")
	ErrUnavailable  = Unavailable("unavailable", "服务暂时不可用，请稍后再试")
	ErrWrongStep    = Conflict("wrong_step", "当前步骤不能进行此操作，请返回查看采集进度")
	// ErrServiceUnavailable: the database could not be reached or did not answer within
	// the request's deadline (api.md "limits and failure answers").
	ErrServiceUnavailable = Unavailable("service_unavailable", "服务暂时不可用，请稍后再试")
	// ErrBusy: the server has no room (memory for an image decode) right now.
	ErrBusy = Unavailable("busy", "当前使用人数较多，请稍后再试")
)

// Public is the error a client is shown for err: its *Error, except that an internal
// error caused by a dependency that is down or too slow (the database refusing or
// dropping connections, a deadline passed while waiting for it) is
// service_unavailable, never a 500. This is the one place that decision is made.
func Public(err error) *Error {
	e := As(err)
	if e.Kind == KindInternal && DependencyDown(err) {
		return ErrServiceUnavailable.Wrap(err)
	}
	return e
}

// DependencyDown reports whether err says a dependency could not be reached or did not
// answer in time, as opposed to a bug or bad data.
func DependencyDown(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	// Drivers that return their own unexported or string errors: go-sql-driver's
	// ErrInvalidConn, SQLite's busy database after busy_timeout.
	msg := err.Error()
	for _, s := range []string{"invalid connection", "bad connection", "connection refused", "database is locked", "SQLITE_BUSY", "i/o timeout"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
