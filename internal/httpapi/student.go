package httpapi

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/collection"
	"github.com/gradphoto/gradphoto/internal/config"
)

var (
	errNoRoute  = apperr.NotFound("not_found", "请求的地址不存在")
	errNoMethod = apperr.New(apperr.KindMethodNotAllowed, "method_not_allowed", "不支持的请求方法")
)

func (s *Server) wechatLogin(c *gin.Context) {
	var req struct {
		Code string `json:"code"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	sess, err := s.d.Auth.WeChatLogin(c.Request.Context(), req.Code)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"token": sess.Token, "expires_at": sess.ExpiresAt, "user": gin.H{"id": sess.UserID}})
}

func (s *Server) searchSchools(c *gin.Context) {
	q := c.Query("q")
	if err := maxLen("q", q, 64); err != nil {
		s.fail(c, err)
		return
	}
	limit := 20
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 50 {
			s.fail(c, apperr.Invalid("bad_limit", "limit 须为1至50的整数"))
			return
		}
		limit = n
	}
	found := s.d.Schools.Search(c.Request.Context(), q, limit)
	out := make([]schoolJSON, len(found))
	for i := range found {
		out[i] = toSchoolJSON(&found[i])
	}
	c.JSON(http.StatusOK, gin.H{"schools": out})
}

// instructions are the collection guide's steps, shown before the upload pages.
var instructions = []string{
	"请先在“学信网”App中获取本人的图像采集码（保存图片或截图），采集码仅限本人使用。",
	"上传采集码后请核对识别结果，确认无误后再上传照片。",
	"请上传近期正面免冠彩色证件照（蓝色背景），系统会立即检查照片是否符合标准。",
	"照片检查通过后完成支付，人工审核将在48小时内完成，审核结果会通过短信通知您。",
	"审核未通过可按提示重新上传照片，无需再次支付。",
}

func (s *Server) info(c *gin.Context) {
	price, err := s.d.Schools.Price(c.Request.Context(), c.Query("school_id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	rules := s.d.PhotoRules
	if rules == nil {
		rules = []string{}
	}
	c.JSON(http.StatusOK, gin.H{
		"price_fen": price, "support_phone": s.d.Config.Support.Phone, "support_hours": s.d.Config.Support.Hours,
		"instructions": instructions, "photo_rules": rules,
		"subscribe_template_ids": subscribeTemplates(s.d.Config),
	})
}

// subscribeTemplates are the templates the mini-program asks the student to accept.
func subscribeTemplates(cfg *config.Config) []string {
	out := []string{}
	for _, t := range []string{cfg.WeChat.SubscribeTemplateApproved, cfg.WeChat.SubscribeTemplateRejected} {
		if t != "" {
			out = append(out, t)
		}
	}
	return out
}

func (s *Server) createCollection(c *gin.Context) {
	var in collection.CreateInput
	if err := bindJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	v, created, err := s.d.Cases.Student.Create(c.Request.Context(), principal(c).Subject, in)
	if err != nil {
		s.fail(c, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.JSON(status, gin.H{"collection": toCollectionJSON(v)})
}

func (s *Server) listCollections(c *gin.Context) {
	vs, err := s.d.Cases.Student.List(c.Request.Context(), principal(c).Subject)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"collections": toCollectionsJSON(vs)})
}

func (s *Server) getCollection(c *gin.Context) {
	v, err := s.d.Cases.Student.Get(c.Request.Context(), principal(c).Subject, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"collection": toCollectionJSON(v)})
}

func (s *Server) confirmCollection(c *gin.Context) {
	v, err := s.d.Cases.Student.Confirm(c.Request.Context(), principal(c).Subject, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"collection": toCollectionJSON(v)})
}

func (s *Server) uploadCaptureCode(c *gin.Context) {
	data, err := s.readUpload(c, "image")
	if err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.d.Cases.Student.SetCaptureCode(c.Request.Context(), principal(c).Subject, c.Param("id"), data)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"collection": toCollectionJSON(v)})
}

func (s *Server) uploadPhoto(c *gin.Context) {
	data, err := s.readUpload(c, "photo")
	if err != nil {
		s.fail(c, err)
		return
	}
	res, err := s.d.Cases.Student.UploadPhoto(c.Request.Context(), principal(c).Subject, c.Param("id"), data)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"collection": toCollectionJSON(res.Collection), "checks": res.Checks, "standard": res.Standard})
}

// standardPhoto serves the owner's 480×640 standard photo.
func (s *Server) standardPhoto(c *gin.Context) {
	data, err := s.d.Collections.StandardPhoto(c.Request.Context(), principal(c).Subject, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, "image/jpeg", data)
}

// setSubscription records the templates the student accepted in
// wx.requestSubscribeMessage: {"accepted": ["<template id>", ...]}, the ids it answered
// "accept" for (at most 3, as one call of it offers). Each allows one message.
func (s *Server) setSubscription(c *gin.Context) {
	var req struct {
		Accepted []string `json:"accepted"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	if len(req.Accepted) > 3 {
		s.fail(c, apperr.Invalid("invalid_field", "一次最多订阅3个消息模板").WithDetails(map[string]any{"field": "accepted"}))
		return
	}
	v, err := s.d.Cases.Student.AcceptSubscriptions(c.Request.Context(), principal(c).Subject, c.Param("id"), req.Accepted)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"collection": toCollectionJSON(v)})
}

func (s *Server) downloadPhoto(c *gin.Context) {
	data, err := s.d.Collections.ApprovedPhoto(c.Request.Context(), principal(c).Subject, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, "image/jpeg", data)
}

var errNotMultipart = apperr.New(apperr.KindUnsupportedMedia, "not_multipart", "请以文件形式上传（multipart/form-data）")

// readUpload reads one file field of a multipart body, refusing bodies over the limit
// from Content-Length before reading them, and stopping at the limit otherwise.
func (s *Server) readUpload(c *gin.Context, field string) ([]byte, error) {
	limit := s.d.Config.HTTP.MaxUploadBytes
	const overhead = 64 << 10 // multipart boundaries and headers
	if c.Request.ContentLength > limit+overhead {
		return nil, apperr.ErrTooLarge
	}
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return nil, errNotMultipart
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit+overhead)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return nil, errNotMultipart
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, apperr.Invalid("file_missing", "请选择要上传的文件（字段 "+field+"）")
		}
		if err != nil {
			var maxErr *http.MaxBytesError
			if errors.As(err, &maxErr) {
				return nil, apperr.ErrTooLarge
			}
			return nil, apperr.Invalid("bad_multipart", "上传内容不完整，请重试")
		}
		if part.FormName() != field {
			_ = part.Close()
			continue
		}
		var buf bytes.Buffer
		n, err := io.Copy(&buf, io.LimitReader(part, limit+1))
		if err != nil {
			var maxErr *http.MaxBytesError
			if errors.As(err, &maxErr) {
				return nil, apperr.ErrTooLarge
			}
			return nil, apperr.Invalid("bad_multipart", "上传内容不完整，请重试")
		}
		if n > limit {
			return nil, apperr.ErrTooLarge
		}
		if n == 0 {
			return nil, apperr.Invalid("file_empty", "上传的文件是空的，请重新选择")
		}
		return buf.Bytes(), nil
	}
}

// studentLogout ends every session of the calling student.
func (s *Server) studentLogout(c *gin.Context) {
	if err := s.d.Auth.EndStudentSessions(c.Request.Context(), principal(c).Subject); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) staffLogin(c *gin.Context) {
	var req struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	sess, err := s.d.Auth.StaffLogin(c.Request.Context(), c.ClientIP(), strings.TrimSpace(req.Username), req.Password)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"token": sess.Token, "expires_at": sess.ExpiresAt, "role": sess.Role, "school_id": nullable(sess.SchoolID), "username": sess.Username})
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
