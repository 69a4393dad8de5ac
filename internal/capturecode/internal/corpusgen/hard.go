package corpusgen

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"

	"github.com/skip2/go-qrcode"
)

// The graded set: the degradations where common engines (WeChat's wechat_qrcode,
// zbar) read codes that a simple cascade misses — glare, a thumb over the code, a steep
// photo of a screen, low contrast, defocus — each at several strengths, plus
// look-alikes without a QR code. It is not committed: TestCorpus draws it (the same
// bytes on every run) and test/bench/engines-compare.sh writes it out with
// `go run ./internal/capturecode/internal/corpusgen/writecorpus`.

// Glare is a lamp's highlight on the photographed screen: inside it the picture fades
// towards white.
type Glare struct {
	X, Y     float64 // centre, in frame pixels
	RX, RY   float64 // radii (1/e² of the Gaussian)
	Strength float64 // fade at the centre; above 1 the core is saturated white
}

// Thumb is a finger over the screen, drawn on the screen before it is photographed.
type Thumb struct {
	X, Y, RX, RY, Angle float64 // ellipse on the screen, pixels and degrees
}

// Defocus blurs with a disc (a lens out of focus), radius in frame pixels.
type Defocus float64

// TiltCorners returns where a w×h screen's corners land in a fw×fh frame when the
// screen is turned deg degrees away from the camera around an axis in its plane at
// axisDeg degrees from horizontal, seen by a pinhole camera, fitted to fill fill of
// the frame: a photo taken at a steep angle.
func TiltCorners(w, h, fw, fh int, deg, axisDeg, fill float64) [4][2]float64 {
	t, a := deg*math.Pi/180, axisDeg*math.Pi/180
	ax, ay := math.Cos(a), math.Sin(a)
	c, s := math.Cos(t), math.Sin(t)
	// Rodrigues' rotation about (ax, ay, 0).
	rot := func(x, y float64) (float64, float64, float64) {
		dot := ax*x + ay*y
		// v cos t + (k × v) sin t + k (k·v)(1 − cos t), with v = (x, y, 0)
		return x*c + ax*dot*(1-c), y*c + ay*dot*(1-c), (ax*y - ay*x) * s
	}
	dist := 1.1 * float64(max(w, h)) // a phone held close: strong foreshortening
	var pts [4][2]float64
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for i, p := range [4][2]float64{{-0.5, -0.5}, {0.5, -0.5}, {0.5, 0.5}, {-0.5, 0.5}} {
		x, y, z := rot(p[0]*float64(w), p[1]*float64(h))
		u, v := x/(dist+z), y/(dist+z)
		pts[i] = [2]float64{u, v}
		minX, maxX = math.Min(minX, u), math.Max(maxX, u)
		minY, maxY = math.Min(minY, v), math.Max(maxY, v)
	}
	k := fill * math.Min(float64(fw)/(maxX-minX), float64(fh)/(maxY-minY))
	ox := float64(fw)/2 - k*(minX+maxX)/2
	oy := float64(fh)/2 - k*(minY+maxY)/2
	for i := range pts {
		pts[i] = [2]float64{ox + k*pts[i][0], oy + k*pts[i][1]}
	}
	return pts
}

// Levels maps every channel linearly from 0…255 onto lo…hi: a dimmed (hi small) or
// washed-out (lo high) screenshot.
func Levels(img *image.RGBA, lo, hi int) *image.RGBA {
	var lut [256]uint8
	for i := range lut {
		lut[i] = uint8(lo + (hi-lo)*i/255)
	}
	out := image.NewRGBA(img.Rect)
	for i, v := range img.Pix {
		if i%4 == 3 {
			out.Pix[i] = v
		} else {
			out.Pix[i] = lut[v]
		}
	}
	return out
}

// drawThumb paints a finger: skin tone, darker towards its rim, with a nail-coloured
// highlight — a uniform-ish dark blob that binarises as a patch of dark modules.
func drawThumb(img *image.RGBA, t Thumb) {
	r := t.Angle * math.Pi / 180
	c, s := math.Cos(r), math.Sin(r)
	ext := int(math.Max(t.RX, t.RY)) + 1
	skin := rgb(0xC8, 0x96, 0x7A)
	rim := rgb(0x7A, 0x55, 0x44)
	for y := int(t.Y) - ext; y <= int(t.Y)+ext; y++ {
		for x := int(t.X) - ext; x <= int(t.X)+ext; x++ {
			if !(image.Point{x, y}.In(img.Rect)) {
				continue
			}
			dx, dy := float64(x)-t.X, float64(y)-t.Y
			u, v := (dx*c+dy*s)/t.RX, (-dx*s+dy*c)/t.RY
			d := u*u + v*v
			if d > 1 {
				continue
			}
			img.SetRGBA(x, y, mix(skin, rim, d*d))
		}
	}
}

// glare fades dst towards white inside g.
func glare(dst *image.RGBA, g Glare) {
	for y := 0; y < dst.Rect.Dy(); y++ {
		for x := 0; x < dst.Rect.Dx(); x++ {
			dx, dy := (float64(x)-g.X)/g.RX, (float64(y)-g.Y)/g.RY
			a := g.Strength * math.Exp(-2*(dx*dx+dy*dy))
			if a < 1e-3 {
				continue
			}
			a = math.Min(a, 1)
			i := dst.PixOffset(x, y)
			for k := 0; k < 3; k++ {
				dst.Pix[i+k] = uint8(math.Round(float64(dst.Pix[i+k])*(1-a) + 255*a))
			}
		}
	}
}

// defocus convolves with a disc of radius r (clamped at the edges): for each row
// offset the disc is one horizontal run, summed from prefix sums of that row.
func defocus(src *image.RGBA, r float64) *image.RGBA {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	R := int(math.Ceil(r))
	half := make([]int, 2*R+1) // half-width of the run at each row offset
	taps := 0
	for dy := -R; dy <= R; dy++ {
		hw := int(math.Floor(math.Sqrt(math.Max(r*r-float64(dy*dy), 0))))
		half[dy+R] = hw
		taps += 2*hw + 1
	}
	// prefix[y][(x+R)*3+c] = sum of channel c over row y, padded columns < x (the
	// row extended by R edge pixels on each side).
	pw := w + 2*R
	prefix := make([][]int32, h)
	for y := 0; y < h; y++ {
		p := make([]int32, (pw+1)*3)
		row := src.Pix[y*src.Stride:]
		for x := 0; x < pw; x++ {
			sx := min(max(x-R, 0), w-1)
			for c := 0; c < 3; c++ {
				p[(x+1)*3+c] = p[x*3+c] + int32(row[4*sx+c])
			}
		}
		prefix[y] = p
	}
	dst := image.NewRGBA(src.Rect)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var s0, s1, s2 int32
			for dy := -R; dy <= R; dy++ {
				p := prefix[min(max(y+dy, 0), h-1)]
				hw := half[dy+R]
				a, b := (x+R-hw)*3, (x+R+hw+1)*3
				s0 += p[b] - p[a]
				s1 += p[b+1] - p[a+1]
				s2 += p[b+2] - p[a+2]
			}
			i := dst.PixOffset(x, y)
			t := int32(taps)
			dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2], dst.Pix[i+3] = uint8(s0/t), uint8(s1/t), uint8(s2/t), 0xFF
		}
	}
	return dst
}

// qrRectOf is where Screen.Draw puts the QR code (quiet zone included).
func (s Screen) qrRectOf() image.Rectangle {
	unit := float64(s.Width) / 375
	side := s.QRSide
	if side == 0 {
		side = s.Width * 7 / 10
	}
	// Mirrors Draw's layout: status bar, navigation, three lines of text, the card.
	scale := max(s.Width/375, 1)
	y := 44*scale + int(44*unit) + int(16*unit)
	for l := 0; l < 3; l++ {
		y += int(14*unit) * 3 / 2
	}
	y += int(12 * unit)
	qrTop := y + int(44*unit)
	return image.Rect(s.Width/2-side/2, qrTop, s.Width/2-side/2+side, qrTop+side)
}

// MiniProgramCode draws a 小程序码-like circular code: a disc of radial bars around a
// round logo, with three ring-shaped locators — round, not square, so no QR reader
// may read anything from it.
func MiniProgramCode(img *image.RGBA, cx, cy, radius int, seed uint64) {
	dark := rgb(0x10, 0x10, 0x10)
	R := float64(radius)
	for y := cy - radius; y <= cy+radius; y++ {
		for x := cx - radius; x <= cx+radius; x++ {
			dx, dy := float64(x-cx), float64(y-cy)
			d := math.Hypot(dx, dy)
			if d > R || d < 0.42*R {
				continue
			}
			// 36 spokes per ring, three rings of bars with random lengths.
			ang := math.Atan2(dy, dx)
			spoke := int(math.Floor((ang + math.Pi) / (2 * math.Pi) * 72))
			if spoke%2 == 1 {
				continue
			}
			ring := int((d - 0.42*R) / (0.58 * R / 3))
			if barOn(seed, spoke, ring) {
				img.SetRGBA(x, y, dark)
			}
		}
	}
	// Locators at 10, 2 and 8 o'clock: concentric rings, 1:1:3:1:1 across.
	for _, a := range []float64{-150, -30, 150} {
		r := a * math.Pi / 180
		lx, ly := cx+int(0.75*R*math.Cos(r)), cy+int(0.75*R*math.Sin(r))
		u := R * 0.035
		circle(img, lx, ly, int(3.5*u), dark)
		circle(img, lx, ly, int(2.5*u), rgb(0xFF, 0xFF, 0xFF))
		circle(img, lx, ly, int(1.5*u), dark)
	}
	// The round logo in the middle.
	circle(img, cx, cy, int(0.38*R), rgb(0x07, 0xC1, 0x60))
	circle(img, cx, cy, int(0.2*R), rgb(0xFF, 0xFF, 0xFF))
}

func barOn(seed uint64, spoke, ring int) bool {
	h := seed*0x9E3779B97F4A7C15 + uint64(spoke)*0xBF58476D1CE4E5B9 + uint64(ring)*0x94D049BB133111EB
	h ^= h >> 31
	h *= 0xD6E8FEB86659FD93
	h ^= h >> 32
	return h%3 != 0
}

// EAN13 draws a product barcode (guard bars, 12 digits of bars) into r: a 1-D code,
// which a QR reader must leave alone.
func EAN13(img *image.RGBA, r image.Rectangle, digits string) {
	l := []string{"0001101", "0011001", "0010011", "0111101", "0100011", "0110001", "0101111", "0111011", "0110111", "0001011"}
	bits := "101"
	for i, d := range digits[1:] {
		code := l[d-'0']
		if i >= 6 {
			inv := []byte(code)
			for k := range inv {
				inv[k] = '0' + '1' - inv[k]
			}
			code = string(inv)
		}
		bits += code
		if i == 5 {
			bits += "01010"
		}
	}
	bits += "101"
	fill(img, r, rgb(0xFF, 0xFF, 0xFF))
	m := r.Dx() / (len(bits) + 18)
	x := r.Min.X + 9*m
	for _, b := range bits {
		if b == '1' {
			fill(img, image.Rect(x, r.Min.Y+m*4, x+m, r.Max.Y-m*4), rgb(0, 0, 0))
		}
		x += m
	}
}

// FakeQR draws three real finder patterns, timing patterns and random modules: a code
// a detector will lock onto whose format and data are noise. No reader may produce a
// payload from it.
func FakeQR(img *image.RGBA, r image.Rectangle, n int, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 13))
	mod := make([][]bool, n)
	for j := range mod {
		mod[j] = make([]bool, n)
		for i := range mod[j] {
			mod[j][i] = rng.IntN(2) == 0
		}
	}
	finder := func(ox, oy int) {
		for j := -1; j <= 7; j++ {
			for i := -1; i <= 7; i++ {
				x, y := ox+i, oy+j
				if x < 0 || y < 0 || x >= n || y >= n {
					continue
				}
				in := i >= 0 && i <= 6 && j >= 0 && j <= 6
				ring := i == 0 || i == 6 || j == 0 || j == 6
				core := i >= 2 && i <= 4 && j >= 2 && j <= 4
				mod[y][x] = in && (ring || core)
			}
		}
	}
	finder(0, 0)
	finder(n-7, 0)
	finder(0, n-7)
	for k := 8; k < n-8; k++ {
		mod[6][k], mod[k][6] = k%2 == 0, k%2 == 0
	}
	q := make([][]bool, n+8)
	for j := range q {
		q[j] = make([]bool, n+8)
		if j >= 4 && j < n+4 {
			copy(q[j][4:], mod[j-4])
		}
	}
	drawQR(img, q, r, rgb(0, 0, 0), rgb(0xFF, 0xFF, 0xFF))
}

// TagBeyondAll marks graded images that no engine compared reads (gradphoto,
// wechat_qrcode, zbar): they show where the limits are, in the comparison, and are
// not demanded by the tests.
const TagBeyondAll = "beyond-all-engines"

// beyondAll lists those images, as measured with test/bench/engines-compare.sh.
var beyondAll = map[string]bool{
	"glare_4_marked.jpg": true, "glare_5_strong.jpg": true, "glare_6_severe.jpg": true, "glare_8_level-h.jpg": true, "glare_7_level-h-marked.jpg": true,
	"steep_55deg_axis35.jpg": true, "defocus_r10.jpg": true,
}

// degradedShot is one graded image: a screen, what happens to it, how it is stored.
type degradedShot struct {
	file string
	tags []string
	scr  Screen
	out  func(Screen, *image.RGBA) ([]byte, error)
}

// Degraded draws the graded set.
func Degraded() ([]Case, error) {
	const fw, fh = 1200, 1600
	straight := [4][2]float64{{250, 60}, {950, 60}, {950, 1540}, {250, 1540}}
	p := func(seed uint64, n int) string { return payload(seed, n, b64url) }
	scr := func(seed uint64, level qrcode.RecoveryLevel) Screen {
		return Screen{Width: 1080, Height: 2340, Payload: p(seed, 64), Level: level, Seed: seed}
	}
	// qrIn maps a point given in QR-relative units (0…1 across the code, quiet zone
	// included) of screen s to frame pixels under corners.
	qrIn := func(s Screen, corners [4][2]float64, u, v float64) (float64, float64) {
		q := s.qrRectOf()
		x := float64(q.Min.X) + u*float64(q.Dx())
		y := float64(q.Min.Y) + v*float64(q.Dy())
		hm := homography(corners, [4][2]float64{{0, 0}, {float64(s.Width), 0}, {float64(s.Width), float64(s.Height)}, {0, float64(s.Height)}})
		d := hm[6]*x + hm[7]*y + hm[8]
		return (hm[0]*x + hm[1]*y + hm[2]) / d, (hm[3]*x + hm[4]*y + hm[5]) / d
	}
	photoOf := func(ph Photo, g *Glare, th *Thumb, df float64, q int) func(Screen, *image.RGBA) ([]byte, error) {
		return func(s Screen, m *image.RGBA) ([]byte, error) {
			if th != nil {
				t := *th
				qr := s.qrRectOf()
				t.X = float64(qr.Min.X) + t.X*float64(qr.Dx())
				t.Y = float64(qr.Min.Y) + t.Y*float64(qr.Dy())
				t.RX *= float64(qr.Dx())
				t.RY *= float64(qr.Dy())
				drawThumb(m, t)
			}
			ph.Width, ph.Height = fw, fh
			ph.post = func(dst *image.RGBA) *image.RGBA {
				if df > 0 {
					dst = defocus(dst, df)
				}
				if g != nil {
					gg := *g
					gg.X, gg.Y = qrIn(s, ph.Corners, g.X, g.Y)
					glare(dst, gg)
				}
				return dst
			}
			return JPEG(ph.Apply(m), q, 0)
		}
	}
	screenshot := func(lo, hi, q int) func(Screen, *image.RGBA) ([]byte, error) {
		return func(_ Screen, m *image.RGBA) ([]byte, error) {
			m = Levels(m, lo, hi)
			if q == 0 {
				return fastPNG(m)
			}
			return JPEG(m, q, 0)
		}
	}
	var shots []degradedShot
	add := func(file string, tags []string, s Screen, out func(Screen, *image.RGBA) ([]byte, error)) {
		if beyondAll[file] {
			tags = append(tags, TagBeyondAll)
		}
		shots = append(shots, degradedShot{file, tags, s, out})
	}

	// Glare: a highlight over a corner of the code, growing.
	for i, g := range []struct {
		name string
		g    Glare
	}{
		{"mild", Glare{X: 0.3, Y: 0.35, RX: 140, RY: 110, Strength: 0.8}},
		{"moderate", Glare{X: 0.33, Y: 0.38, RX: 170, RY: 130, Strength: 1.1}},
		{"medium", Glare{X: 0.35, Y: 0.4, RX: 200, RY: 150, Strength: 1.3}},
		{"marked", Glare{X: 0.38, Y: 0.42, RX: 230, RY: 170, Strength: 1.5}},
		{"strong", Glare{X: 0.4, Y: 0.45, RX: 260, RY: 190, Strength: 1.8}},
		{"severe", Glare{X: 0.45, Y: 0.45, RX: 320, RY: 230, Strength: 2.4}},
		{"level-h-marked", Glare{X: 0.38, Y: 0.42, RX: 230, RY: 170, Strength: 1.5}},
		{"level-h", Glare{X: 0.4, Y: 0.45, RX: 260, RY: 190, Strength: 1.8}},
	} {
		seed := uint64(260 + i)
		level := qrcode.Medium
		if strings.HasPrefix(g.name, "level-h") {
			level = qrcode.High
		}
		gl := g.g
		add(fmt.Sprintf("glare_%d_%s.jpg", i+1, g.name), []string{"photo", "glare"}, scr(seed, level),
			photoOf(Photo{Corners: straight, Blur: 1, Noise: 3, Seed: seed}, &gl, nil, 0, 75))
	}
	// A thumb over the lower right of the data area; the code's level is High (30 %).
	for i, t := range []Thumb{
		{X: 0.92, Y: 0.95, RX: 0.18, RY: 0.12, Angle: -40},
		{X: 0.9, Y: 0.92, RX: 0.25, RY: 0.15, Angle: -40},
		{X: 0.88, Y: 0.9, RX: 0.31, RY: 0.18, Angle: -40},
		{X: 0.86, Y: 0.88, RX: 0.36, RY: 0.21, Angle: -40},
		{X: 0.84, Y: 0.86, RX: 0.42, RY: 0.24, Angle: -40},
		{X: 0.82, Y: 0.84, RX: 0.48, RY: 0.27, Angle: -40},
		{X: 0.80, Y: 0.82, RX: 0.54, RY: 0.30, Angle: -40},
	} {
		seed := uint64(210 + i)
		t := t
		add(fmt.Sprintf("thumb_%d.jpg", i+1), []string{"photo", "thumb"}, scr(seed, qrcode.High),
			photoOf(Photo{Corners: straight, Blur: 1, Noise: 3, Seed: seed}, nil, &t, 0, 75))
	}
	// Steep photos of the screen: tilted away from the camera, 40° to 60°.
	for i, t := range []struct{ deg, axis float64 }{{40, 0}, {48, 20}, {50, 45}, {55, 0}, {55, 35}, {58, 0}, {62, 10}, {66, 0}} {
		seed := uint64(220 + i)
		corners := TiltCorners(1080, 2340, fw, fh, t.deg, t.axis, 0.95)
		add(fmt.Sprintf("steep_%.0fdeg_axis%.0f.jpg", t.deg, t.axis), []string{"photo", "perspective", "steep"}, scr(seed, qrcode.Medium),
			photoOf(Photo{Corners: corners, Blur: 1, Noise: 3, Seed: seed}, nil, nil, 0, 75))
	}
	// Low contrast screenshots: washed out (a light grey floor), dimmed (a dark ceiling).
	for i, l := range []struct {
		name   string
		lo, hi int
		q      int
	}{
		{"washed_60", 170, 230, 0}, {"washed_32", 200, 232, 85}, {"washed_18", 214, 232, 90}, {"washed_10", 222, 232, 0},
		{"washed_8", 224, 232, 92}, {"washed_5", 227, 232, 0}, {"washed_3", 229, 232, 0},
		{"dimmed_48", 0, 48, 85}, {"dimmed_24", 0, 24, 0}, {"dimmed_12", 4, 16, 0}, {"dimmed_8", 2, 10, 92}, {"dimmed_4", 2, 6, 0},
		{"grey_on_grey_40", 150, 190, 80},
	} {
		seed := uint64(230 + i)
		add(fmt.Sprintf("lowcontrast_%s.%s", l.name, map[bool]string{true: "png", false: "jpg"}[l.q == 0]), []string{"low-contrast", "screenshot"}, scr(seed, qrcode.Medium),
			screenshot(l.lo, l.hi, l.q))
	}
	// Out of focus: a disc blur of radius r (a module is ~9 frame pixels).
	for i, r := range []float64{3, 5, 7, 8, 9, 10} {
		seed := uint64(240 + i)
		add(fmt.Sprintf("defocus_r%.0f.jpg", r), []string{"photo", "defocus"}, scr(seed, qrcode.Medium),
			photoOf(Photo{Corners: straight, Noise: 2, Seed: seed}, nil, nil, r, 80))
	}
	// Combinations a student produces: a dim, slightly defocused, tilted photo.
	{
		seed := uint64(250)
		corners := TiltCorners(1080, 2340, fw, fh, 45, 15, 0.95)
		add("combo_tilted_dim_defocus.jpg", []string{"photo", "perspective", "low-contrast", "defocus"}, scr(seed, qrcode.Medium),
			photoOf(Photo{Corners: corners, Noise: 3, Dim: 0.8, Seed: seed}, nil, nil, 3, 75))
	}

	// Each image depends only on its own description, so they are drawn in parallel;
	// the bytes are the same whatever the order.
	cases := make([]Case, len(shots))
	errs := make([]error, len(shots))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, s := range shots {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			img, err := s.scr.Draw()
			if err == nil {
				var data []byte
				data, err = s.out(s.scr, img)
				cases[i] = Case{File: s.file, Payload: s.scr.Payload, Tags: s.tags, Data: data}
			}
			if err != nil {
				errs[i] = fmt.Errorf("%s: %w", s.file, err)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	neg, err := degradedNegatives()
	if err != nil {
		return nil, err
	}
	return append(cases, neg...), nil
}

// degradedNegatives are pages with code-like things but no QR code.
func degradedNegatives() ([]Case, error) {
	var cases []Case
	page := func(seed uint64) (*image.RGBA, image.Rectangle, error) {
		s := Screen{Width: 1080, Height: 2340, Seed: seed}
		img, err := s.Draw()
		return img, s.qrRectOf(), err
	}
	// A 小程序码 where the QR would be.
	img, r, err := page(300)
	if err != nil {
		return nil, err
	}
	fill(img, r, rgb(0xFF, 0xFF, 0xFF))
	MiniProgramCode(img, (r.Min.X+r.Max.X)/2, (r.Min.Y+r.Max.Y)/2, r.Dx()*45/100, 300)
	data, err := fastPNG(img)
	if err != nil {
		return nil, err
	}
	cases = append(cases, Case{File: "noqr_miniprogram_code.png", Tags: []string{"no-qr", "miniprogram-code"}, Data: data})
	// A 1-D product barcode, large.
	img, r, err = page(301)
	if err != nil {
		return nil, err
	}
	fill(img, r, rgb(0xFF, 0xFF, 0xFF))
	EAN13(img, image.Rect(r.Min.X, r.Min.Y+r.Dy()/4, r.Max.X, r.Max.Y-r.Dy()/4), "6901234567892")
	if data, err = JPEG(img, 80, 0); err != nil {
		return nil, err
	}
	cases = append(cases, Case{File: "noqr_barcode_ean13.jpg", Tags: []string{"no-qr", "barcode"}, Data: data})
	// Finder patterns around noise: the most QR-like thing that is not a QR code.
	img, r, err = page(302)
	if err != nil {
		return nil, err
	}
	FakeQR(img, r, 33, 302)
	if data, err = fastPNG(img); err != nil {
		return nil, err
	}
	cases = append(cases, Case{File: "noqr_fake_qr_finders.png", Tags: []string{"no-qr", "clutter", "finder-patterns"}, Data: data})
	// The same, photographed at a steep angle with glare, as the hard path sees it.
	ph := Photo{Width: 1200, Height: 1600, Corners: TiltCorners(1080, 2340, 1200, 1600, 50, 10, 0.95), Blur: 1, Noise: 3, Seed: 303}
	ph.post = func(dst *image.RGBA) *image.RGBA {
		glare(dst, Glare{X: 600, Y: 500, RX: 200, RY: 150, Strength: 1.2})
		return dst
	}
	if data, err = JPEG(ph.Apply(img), 75, 0); err != nil {
		return nil, err
	}
	cases = append(cases, Case{File: "noqr_fake_qr_steep_glare.jpg", Tags: []string{"no-qr", "clutter", "finder-patterns", "photo", "steep", "glare"}, Data: data})
	// A washed-out page of text and a calendar (the low-contrast path stretches it).
	s := Screen{Width: 1080, Height: 2340, Clutter: true, Seed: 304}
	if img, err = s.Draw(); err != nil {
		return nil, err
	}
	if data, err = fastPNG(Levels(img, 210, 232)); err != nil {
		return nil, err
	}
	cases = append(cases, Case{File: "noqr_washed_clutter.png", Tags: []string{"no-qr", "clutter", "low-contrast"}, Data: data})
	// A defocused photo of QR-like clutter.
	ph = Photo{Width: 1200, Height: 1600, Corners: [4][2]float64{{250, 60}, {950, 60}, {950, 1540}, {250, 1540}}, Noise: 3, Seed: 305}
	ph.post = func(dst *image.RGBA) *image.RGBA { return defocus(dst, 5) }
	if img, err = (Screen{Width: 1080, Height: 2340, Clutter: true, Seed: 305}).Draw(); err != nil {
		return nil, err
	}
	if data, err = JPEG(ph.Apply(img), 75, 0); err != nil {
		return nil, err
	}
	cases = append(cases, Case{File: "noqr_defocused_clutter.jpg", Tags: []string{"no-qr", "clutter", "photo", "defocus"}, Data: data})
	return cases, nil
}

// fastPNG encodes losslessly at the fastest level: the graded set is drawn on every
// test run and never committed, so its size does not matter.
func fastPNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
