package console

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoadRendersVersionedShell(t *testing.T) {
	b, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Version()) != 16 {
		t.Fatalf("version %q", b.Version())
	}
	html := string(b.Index())
	for _, asset := range []string{"app.js", "console.css"} {
		url := AssetPrefix + b.Version() + "/" + asset
		if !strings.Contains(html, `"`+url+`"`) {
			t.Errorf("shell does not link %s", url)
		}
		if _, ok := b.Asset(asset); !ok {
			t.Errorf("asset %s missing", asset)
		}
	}
}

func TestAssetStaysInsideTheAssets(t *testing.T) {
	b, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"", "/", "../templates/index.html", "..%2ftemplates/index.html", "missing.js", "."} {
		t.Run(name, func(t *testing.T) {
			if _, ok := b.Asset(name); ok {
				t.Fatalf("Asset(%q) served something", name)
			}
		})
	}
	if _, ok := b.Asset("/app.js"); !ok {
		t.Fatal("a leading slash is tolerated")
	}
}

func TestVersionChangesWithAnyAsset(t *testing.T) {
	base := fstest.MapFS{"app.js": {Data: []byte("a")}, "x/y.css": {Data: []byte("b")}}
	v0, err := hashTree(base)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		fs   fstest.MapFS
	}{
		{"content", fstest.MapFS{"app.js": {Data: []byte("a")}, "x/y.css": {Data: []byte("c")}}},
		{"name", fstest.MapFS{"app.js": {Data: []byte("a")}, "x/z.css": {Data: []byte("b")}}},
		{"added file", fstest.MapFS{"app.js": {Data: []byte("a")}, "x/y.css": {Data: []byte("b")}, "new.js": {}}},
		{"bytes moved between files", fstest.MapFS{"app.js": {Data: []byte("ab")}, "x/y.css": {Data: []byte("")}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := hashTree(tc.fs)
			if err != nil {
				t.Fatal(err)
			}
			if v == v0 {
				t.Fatal("same version for different assets")
			}
		})
	}
	if again, _ := hashTree(base); again != v0 {
		t.Fatal("version not deterministic")
	}
}
