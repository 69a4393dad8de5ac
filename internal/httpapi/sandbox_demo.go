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
