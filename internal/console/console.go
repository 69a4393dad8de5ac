// Package console holds the staff console's front end: an HTML shell and the static
// assets (vanilla JavaScript modules and CSS, no build step) embedded in the binary.
// It knows nothing of HTTP frameworks; internal/httpapi serves it at /console/ on top
// of the admin API, which does all the work and all the checks.
package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"sort"
)

//go:embed assets templates
var files embed.FS

// ContentSecurityPolicy is sent with every console page: scripts, styles and images
// from this origin only (photos come from the authenticated API), no inline code, no
// framing, no plugins.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// Bundle is the console's front end, versioned by the content of its assets.
type Bundle struct {
	assets  fs.FS
	version string
	index   []byte
}

// Load reads the embedded assets, hashes them and renders the HTML shell with the
// versioned asset URLs.
func Load() (*Bundle, error) {
	assets, err := fs.Sub(files, "assets")
	if err != nil {
		return nil, err
	}
	version, err := hashTree(assets)
	if err != nil {
		return nil, err
	}
	tpl, err := template.ParseFS(files, "templates/index.html")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := tpl.Execute(&buf, struct{ AssetBase string }{AssetBase: AssetPrefix + version + "/"}); err != nil {
		return nil, fmt.Errorf("console: render index: %w", err)
	}
	return &Bundle{assets: assets, version: version, index: buf.Bytes()}, nil
}

// AssetPrefix is where the assets are served, followed by the version and the file.
const AssetPrefix = "/console/assets/"

// Version is the content hash of all assets. It is part of every asset URL, so that
// the assets can be cached for a year and a new binary is still picked up at once:
// one hash for the whole tree keeps relative module imports (./api.js) versioned too.
func (b *Bundle) Version() string { return b.version }

// Index is the HTML shell of the single-page console.
func (b *Bundle) Index() []byte { return b.index }

// Asset returns the content of an asset by its path below the version, and whether it exists.
func (b *Bundle) Asset(name string) ([]byte, bool) {
	name = path.Clean("/" + name)[1:]
	if name == "" || !fs.ValidPath(name) {
		return nil, false
	}
	data, err := fs.ReadFile(b.assets, name)
	if err != nil {
		return nil, false
	}
	return data, true
}

// hashTree hashes every file's name and content, in name order.
func hashTree(fsys fs.FS) (string, error) {
	var names []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			names = append(names, p)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		data, err := fs.ReadFile(fsys, n)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}
