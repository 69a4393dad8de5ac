package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/gradphoto/gradphoto/internal/apperr"
)

// mountPayment adds the order endpoint and WeChat Pay's callbacks (the staff refund is
// in admin.go, with the refund rule and the audit trail).
func (s *Server) mountPayment(r *gin.Engine, student gin.IRouter) {
	if s.d.Payments == nil {
		return
	}
	student.POST("/collections/:id/order", s.createOrder)
	r.POST("/pay/wechat/notify", s.payNotify)
	r.POST("/pay/wechat/refund-notify", s.refundNotify)
}

// createOrder places the order; pay_params go to wx.requestPayment as they are. The body
// is optional: {"ack_chsi_photo": true} when the student has read the notice that the
// roster says they already have a 学信网 photo.
func (s *Server) createOrder(c *gin.Context) {
	var req struct {
		AckCHSIPhoto bool `json:"ack_chsi_photo"`
	}
	if c.Request.ContentLength != 0 {
		if err := bindJSON(c, &req); err != nil {
			s.fail(c, err)
			return
		}
	}
	o, params, err := s.d.Cases.Student.PlaceOrder(c.Request.Context(), principal(c).Subject, c.Param("id"), req.AckCHSIPhoto)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"order": toOrderJSON(o), "pay_params": params})
}

func (s *Server) payNotify(c *gin.Context) {
	s.answerWeChatPay(c, s.d.Payments.HandleNotify(c.Request.Context(), c.Request))
}

func (s *Server) refundNotify(c *gin.Context) {
	s.answerWeChatPay(c, s.d.Payments.HandleRefundNotify(c.Request.Context(), c.Request))
}

// answerWeChatPay answers a notification in WeChat Pay's terms: 200 once applied (or
// already applied, or recorded as an anomaly), 401 FAIL when it is not WeChat's, 5xx
// FAIL when we could not process it, so that WeChat sends it again.
func (s *Server) answerWeChatPay(c *gin.Context, err error) {
	if err == nil {
		c.Status(http.StatusOK)
		return
	}
	e := apperr.As(err)
	status := statusOf(e.Kind)
	if status < 500 && status != http.StatusUnauthorized {
		status = http.StatusBadRequest
	}
	if status >= 500 {
		s.d.Log.ErrorContext(c.Request.Context(), "wechat pay notification failed", "code", e.Code, "err", err, "request_id", requestID(c))
	}
	c.AbortWithStatusJSON(status, gin.H{"code": "FAIL", "message": e.Message})
}
