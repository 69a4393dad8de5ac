package httpapi

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/gradphoto/gradphoto/internal/config"
	"github.com/gradphoto/gradphoto/internal/dbtest"
)

type probeMounter struct{}

func (probeMounter) Mount(r gin.IRouter) {
	r.GET("/probe", func(c *gin.Context) { c.Status(http.StatusNoContent) })
}

// TestSandboxNeverInProduction: the offline WeChat (which pays any order on request)
// exists only in sandbox mode, whatever the wiring hands the router.
func TestSandboxNeverInProduction(t *testing.T) {
	cases := []struct {
		mode, path string
		status     int
	}{
		{"sandbox", "/sandbox/probe", http.StatusNoContent},
		{"sandbox", "/sandbox/", http.StatusOK},
		{"sandbox", "/sandbox/demo/photo.jpg", http.StatusOK},
		{"production", "/sandbox/probe", http.StatusNotFound},
		{"production", "/sandbox/", http.StatusNotFound},
		{"production", "/sandbox/demo/photo.jpg", http.StatusNotFound},
	}
	for _, tc := range cases {
		cfg := config.Default()
		cfg.WeChat.Mode = tc.mode
		r, _ := NewRouter(Deps{Config: &cfg, Log: dbtest.Discard(), Sandbox: []Mounter{probeMounter{}}})
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, httptest.NewRequest("GET", tc.path, nil))
		if rec.Code != tc.status {
			t.Errorf("%s %s: %d, want %d", tc.mode, tc.path, rec.Code, tc.status)
		}
	}
}
