package e2e

import (
	"encoding/json"
	"os"
	"regexp"
	"testing"

	"github.com/gradphoto/gradphoto/internal/httpapi"
)

// TestMiniProgramPathsExist checks that every API path the mini-program's client calls
// (miniprogram/contract/api-paths.json, generated from its path table) is a route of
// the Go router.
func TestMiniProgramPathsExist(t *testing.T) {
	raw, err := os.ReadFile("../../miniprogram/contract/api-paths.json")
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	if err := json.Unmarshal(raw, &paths); err != nil {
		t.Fatal(err)
	}
	if len(paths) < 10 {
		t.Fatalf("contract lists only %d paths", len(paths))
	}
	s := startServer(t)
	param := regexp.MustCompile(`:[a-z_]+`)
	routes := map[string]bool{}
	for _, r := range httpapi.Routes(s.App.Router) {
		routes[param.ReplaceAllString(r, ":param")] = true
	}
	for _, p := range paths {
		if !routes[param.ReplaceAllString(p, ":param")] {
			t.Errorf("the mini-program calls %q, which the server does not route", p)
		}
	}
}
