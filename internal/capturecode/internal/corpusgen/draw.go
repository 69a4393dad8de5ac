// Package corpusgen draws the test corpus of internal/capturecode: phone screenshots
// of the 图像采集码 page (status bar, title, text, the QR on a card, buttons),
// degraded the way real uploads are (recompression, rotation, EXIF orientation,
// photographing the screen, dark mode), and look-alikes without a QR code.
// Everything is deterministic: the same code writes the same bytes.
package corpusgen

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"math/rand/v2"

	"github.com/skip2/go-qrcode"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// palette of a screen in light or dark mode.
type palette struct {
	bg, card, text, subtle, accent, bar color.RGBA
}

var lightPalette = palette{
	bg: rgb(0xF2, 0xF3, 0xF5), card: rgb(0xFF, 0xFF, 0xFF), text: rgb(0x1F, 0x1F, 0x1F),
	subtle: rgb(0x99, 0x99, 0x99), accent: rgb(0x1A, 0x73, 0xE8), bar: rgb(0xFF, 0xFF, 0xFF),
}

var darkPalette = palette{
	bg: rgb(0x11, 0x11, 0x11), card: rgb(0x1E, 0x1E, 0x1E), text: rgb(0xE6, 0xE6, 0xE6),
	subtle: rgb(0x77, 0x77, 0x77), accent: rgb(0x4D, 0x90, 0xFE), bar: rgb(0x19, 0x19, 0x19),
}

func rgb(r, g, b uint8) color.RGBA { return color.RGBA{r, g, b, 0xFF} }

func fill(img *image.RGBA, r image.Rectangle, c color.Color) {
	draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
}

// roundRect fills a rectangle with rounded corners, as app cards and buttons have.
func roundRect(img *image.RGBA, r image.Rectangle, radius int, c color.RGBA) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			dx := max(r.Min.X+radius-x, x-(r.Max.X-1-radius), 0)
			dy := max(r.Min.Y+radius-y, y-(r.Max.Y-1-radius), 0)
			if dx*dx+dy*dy <= radius*radius {
				img.SetRGBA(x, y, c)
			}
		}
	}
}

func circle(img *image.RGBA, cx, cy, radius int, c color.RGBA) {
	roundRect(img, image.Rect(cx-radius, cy-radius, cx+radius, cy+radius), radius, c)
}

// asciiText draws ASCII text with the 7×13 bitmap font enlarged by scale.
func asciiText(img *image.RGBA, x, y, scale int, s string, c color.RGBA) {
	w := font.MeasureString(basicfont.Face7x13, s).Ceil()
	small := image.NewAlpha(image.Rect(0, 0, w, 13))
	d := font.Drawer{Dst: small, Src: image.Opaque, Face: basicfont.Face7x13, Dot: fixed.P(0, 11)}
	d.DrawString(s)
	for sy := 0; sy < 13; sy++ {
		for sx := 0; sx < w; sx++ {
			if small.AlphaAt(sx, sy).A > 0 {
				fill(img, image.Rect(x+sx*scale, y+sy*scale, x+(sx+1)*scale, y+(sy+1)*scale), c)
			}
		}
	}
}

// hanziLine draws n pseudo-Chinese characters: random strokes in a square cell. They
// are the clutter that matters here, dense square shapes near the QR code.
func hanziLine(img *image.RGBA, rng *rand.Rand, x, y, size, n int, c color.RGBA) {
	stroke := max(size/12, 2)
	for i := 0; i < n; i++ {
		cx := x + i*(size+size/8)
		if cx+size > img.Rect.Max.X {
			return
		}
		for k := 0; k < 4+rng.IntN(5); k++ {
			if rng.IntN(2) == 0 { // horizontal stroke
				yy := cy(y, size, rng)
				x0 := cx + rng.IntN(size/2)
				fill(img, image.Rect(x0, yy, x0+size/3+rng.IntN(size/2), yy+stroke), c)
			} else {
				xx := cx + size/10 + rng.IntN(size*8/10)
				y0 := y + rng.IntN(size/2)
				fill(img, image.Rect(xx, y0, xx+stroke, y0+size/3+rng.IntN(size/2)), c)
			}
		}
	}
}

func cy(y, size int, rng *rand.Rand) int { return y + size/10 + rng.IntN(size*8/10) }

// paragraph draws lines of pseudo-Chinese text with some ASCII (dates, numbers).
func paragraph(img *image.RGBA, rng *rand.Rand, x, y, width, lines, size int, c color.RGBA) int {
	for l := 0; l < lines; l++ {
		n := width / (size + size/8)
		if l == lines-1 {
			n = n/2 + rng.IntN(n/2)
		}
		hanziLine(img, rng, x, y, size, n, c)
		y += size * 3 / 2
	}
	return y
}

// statusBar draws time, signal and battery, like every phone screenshot has.
func statusBar(img *image.RGBA, p palette, scale int) int {
	w := img.Rect.Dx()
	h := 44 * scale
	fill(img, image.Rect(0, 0, w, h), p.bar)
	asciiText(img, 30*scale, 12*scale, scale*3/2, "9:41", p.text)
	for i := 0; i < 4; i++ { // signal bars
		x := w - 110*scale + i*7*scale
		fill(img, image.Rect(x, 26*scale-i*4*scale, x+5*scale, 30*scale), p.text)
	}
	fill(img, image.Rect(w-60*scale, 14*scale, w-25*scale, 30*scale), p.text) // battery
	fill(img, image.Rect(w-57*scale, 17*scale, w-40*scale, 27*scale), p.bar)
	return h
}

// qrModules returns the QR modules of payload (true is dark) with a 4-module quiet zone.
func qrModules(payload string, level qrcode.RecoveryLevel) ([][]bool, error) {
	q, err := qrcode.New(payload, level)
	if err != nil {
		return nil, err
	}
	return q.Bitmap(), nil
}

// drawQR renders the modules into r with anti-aliased edges (2×2 supersampling),
// as a phone renders a QR scaled to a non-integer module size.
func drawQR(img *image.RGBA, modules [][]bool, r image.Rectangle, dark, light color.RGBA) {
	n := float64(len(modules))
	sx := n / float64(r.Dx())
	sy := n / float64(r.Dy())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cov := 0
			for _, o := range [4][2]float64{{.25, .25}, {.75, .25}, {.25, .75}, {.75, .75}} {
				mx := int((float64(x-r.Min.X) + o[0]) * sx)
				my := int((float64(y-r.Min.Y) + o[1]) * sy)
				if my < len(modules) && mx < len(modules) && modules[my][mx] {
					cov++
				}
			}
			img.SetRGBA(x, y, mix(light, dark, float64(cov)/4))
		}
	}
}

func mix(a, b color.RGBA, t float64) color.RGBA {
	l := func(u, v uint8) uint8 { return uint8(math.Round(float64(u)*(1-t) + float64(v)*t)) }
	return color.RGBA{l(a.R, b.R), l(a.G, b.G), l(a.B, b.B), 0xFF}
}
