package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/console"
)

// mountDemoFiles serves, in sandbox mode, the files the printed curl walk-through
// uploads: a fresh 采集码 screenshot and a compliant ID photo.
func (s *Server) mountDemoFiles(sb gin.IRouter) {
	// GET /sandbox/ says what the offline WeChat offers (the walk-through links here).
	sb.GET("/", func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{
			"sandbox":                   "offline WeChat for development: the real SDKs talk to it unchanged",
			"login":                     "POST /sandbox/wx/login {\"name\"} stands in for wx.login: a code for openid sandbox-<name>, single-use, 5 minutes (codes dev-<name>[~<nonce>] also work, once each)",
			"phone":                     "POST /sandbox/wx/phone-code {\"phone\"} stands in for the getPhoneNumber button: a code for that number, single-use, 5 minutes",
			"subscribe_accept":          "POST /sandbox/wx/subscribe {\"openid\",\"tmplIds\"} stands in for wx.requestSubscribeMessage: one message per acceptance",
			"shipping_uploads":          "GET /sandbox/shipping/uploads (发货信息管理)",
			"pay_succeed":               "POST /sandbox/pay/transactions/{out_trade_no}/succeed[?notify=0]",
			"pay_fail":                  "POST /sandbox/pay/transactions/{out_trade_no}/fail",
			"sms":                       "GET /sandbox/sms[?phone=]",
			"subscribe_messages":        "GET /sandbox/subscribe/messages",
			"demo_capture_code":         "GET /sandbox/demo/capture-code.png",
			"demo_photo":                "GET /sandbox/demo/photo.jpg",
			"wechat_pay_v3_emulated":    "/sandbox/v3/pay/transactions/jsapi, .../out-trade-no/{no}, .../close, /sandbox/v3/refund/domestic/refunds, /sandbox/v3/certificates",
			"mini_program_api_emulated": "/sandbox/sns/jscode2session, /sandbox/cgi-bin/token, /sandbox/cgi-bin/stable_token, /sandbox/wxa/business/getuserphonenumber, /sandbox/cgi-bin/message/subscribe/send, /sandbox/wxa/sec/order/is_trade_managed, /sandbox/wxa/sec/order/upload_shipping_info",
		})
	})
	sb.GET("/demo/capture-code.png", func(c *gin.Context) {
		png, err := console.DemoCaptureCode()
		if err != nil {
			s.fail(c, apperr.Internal(err))
			return
		}
		c.Header("Cache-Control", "no-store") // a new code each time: codes are one per student
		c.Data(http.StatusOK, "image/png", png)
	})
	sb.GET("/demo/photo.jpg", func(c *gin.Context) {
		c.Data(http.StatusOK, "image/jpeg", console.DemoPhoto(0))
	})
}
