package photo

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"sync"
	"testing"

	"github.com/disintegration/imaging"
)

// Fixtures are built in code from the real photographs in testdata/ (SOURCES.md):
// the standard photo is frontal_plain_01.jpg with its white background replaced by
// standard blue and placed on a 3:4 canvas at the standard geometry; failing
// variants are derived from it one defect at a time.

var standardBlue = color.NRGBA{67, 142, 219, 255}

// plainGeometry is where things are in frontal_plain_01.jpg (320×400), read off
// the photo: top of the hair, chin, the face's centre line, the first row of the
// T-shirt at the image's sides.
const (
	plainHairTop   = 13
	plainChin      = 350
	plainCentreX   = 159
	plainShirtTopY = 330
)

func loadTestImage(t testing.TB, name string) image.Image {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return img
}

func encodeJPEG(t testing.TB, img image.Image, q int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// blueBackground returns plain_01 with the background connected to the top and
// the upper sides, above the T-shirt, filled with fill.
func blueBackground(src image.Image, fill color.NRGBA) *image.NRGBA {
	img := imaging.Clone(src)
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	r0, g0, b0 := 0, 0, 0
	for x := 0; x < w; x++ {
		c := img.NRGBAAt(x, 0)
		r0 += int(c.R)
		g0 += int(c.G)
		b0 += int(c.B)
	}
	bgL, bgA, bgB := toLab(uint8(r0/w), uint8(g0/w), uint8(b0/w))
	isBg := func(x, y int) bool {
		c := img.NRGBAAt(x, y)
		l, a, b := toLab(c.R, c.G, c.B)
		dl, da, db := l-bgL, a-bgA, b-bgB
		return dl*dl+da*da+db*db < 14*14
	}
	seen := make([]bool, w*h)
	var stack []image.Point
	push := func(x, y int) {
		if x < 0 || y < 0 || x >= w || y >= plainShirtTopY || seen[y*w+x] || !isBg(x, y) {
			return
		}
		seen[y*w+x] = true
		stack = append(stack, image.Point{x, y})
	}
	for x := 0; x < w; x++ {
		push(x, 0)
	}
	for y := 0; y < plainShirtTopY; y++ {
		push(0, y)
		push(w-1, y)
	}
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		push(p.X+1, p.Y)
		push(p.X-1, p.Y)
		push(p.X, p.Y+1)
		push(p.X, p.Y-1)
	}
	for i, s := range seen {
		if s {
			img.SetNRGBA(i%w, i/w, fill)
		}
	}
	return img
}

// placement says where the head goes on the 480×640 canvas.
type placement struct {
	headHeight float64 // (chin − hair top) / canvas height
	headTop    float64 // hair top / canvas height
	centreX    float64 // face centre / canvas width
	aspect     float64 // canvas width / height
}

var standardPlacement = placement{headHeight: 0.52, headTop: 0.125, centreX: 0.5, aspect: 0.75}

// place maps a 480×640 (or aspect-adjusted) canvas onto src, replicating src's
// edges outside it: above the hair and beside the head that is background, below
// the picture it stretches the T-shirt down, as a taller photo would show it.
func place(src *image.NRGBA, pl placement, outH int) *image.NRGBA {
	scale := float64(plainChin-plainHairTop) / (pl.headHeight * float64(outH)) // src px per canvas px
	outW := int(math.Round(float64(outH) * pl.aspect))
	top := float64(plainHairTop) - pl.headTop*float64(outH)*scale
	left := float64(plainCentreX) - pl.centreX*float64(outW)*scale
	sw, sh := src.Bounds().Dx(), src.Bounds().Dy()
	out := image.NewNRGBA(image.Rect(0, 0, outW, outH))
	for y := 0; y < outH; y++ {
		sy := top + (float64(y)+0.5)*scale
		for x := 0; x < outW; x++ {
			sx := left + (float64(x)+0.5)*scale
			c := bilinear(src, sx, sy, sw, sh)
			// Mild deterministic sensor-like noise: a real photo is never flat, and
			// the background checks must tolerate it.
			n := int((uint32(x*7919+y*104729)*2654435761)>>29) - 4 // -4..3
			c.R, c.G, c.B = addClamp(c.R, n), addClamp(c.G, n), addClamp(c.B, n)
			out.SetNRGBA(x, y, c)
		}
	}
	return out
}

func addClamp(v uint8, d int) uint8 { return uint8(max(0, min(255, int(v)+d))) }

func bilinear(src *image.NRGBA, x, y float64, w, h int) color.NRGBA {
	x = math.Max(0, math.Min(x-0.5, float64(w-1)))
	y = math.Max(0, math.Min(y-0.5, float64(h-1)))
	x0, y0 := int(x), int(y)
	x1, y1 := min(x0+1, w-1), min(y0+1, h-1)
	fx, fy := x-float64(x0), y-float64(y0)
	c00, c10, c01, c11 := src.NRGBAAt(x0, y0), src.NRGBAAt(x1, y0), src.NRGBAAt(x0, y1), src.NRGBAAt(x1, y1)
	mix := func(a, b, c, d uint8) uint8 {
		v := (float64(a)*(1-fx)+float64(b)*fx)*(1-fy) + (float64(c)*(1-fx)+float64(d)*fx)*fy
		return uint8(math.Round(v))
	}
	return color.NRGBA{mix(c00.R, c10.R, c01.R, c11.R), mix(c00.G, c10.G, c01.G, c11.G), mix(c00.B, c10.B, c01.B, c11.B), 255}
}

type fixtureSet struct {
	blueSrc  *image.NRGBA // plain_01 on blue, source size
	whiteSrc *image.NRGBA // plain_01 as shot
}

var (
	fixturesOnce sync.Once
	fixtures     fixtureSet
)

func getFixtures(t testing.TB) fixtureSet {
	fixturesOnce.Do(func() {
		src := loadTestImage(t, "frontal_plain_01.jpg")
		fixtures.whiteSrc = imaging.Clone(src)
		fixtures.blueSrc = blueBackground(src, standardBlue)
	})
	return fixtures
}

// standardImage is the passing photo: 480×640, blue, standard geometry.
func standardImage(t testing.TB) *image.NRGBA {
	return place(getFixtures(t).blueSrc, standardPlacement, 640)
}

// withExifSoftware inserts an APP1 Exif segment whose IFD0 holds Software=name.
func withExifSoftware(jpg []byte, name string) []byte { return withExif(jpg, name, 0) }

// withExif inserts an APP1 Exif segment whose IFD0 holds an Orientation (when not
// 0) and a Software tag (when not empty), written as a camera would.
func withExif(jpg []byte, software string, orientation uint16) []byte {
	le := binary.LittleEndian
	val := append([]byte(software), 0)
	n := 0
	if orientation != 0 {
		n++
	}
	if software != "" {
		n++
	}
	var tiff bytes.Buffer
	tiff.WriteString("II*\x00")
	binary.Write(&tiff, le, uint32(8))
	binary.Write(&tiff, le, uint16(n))
	if orientation != 0 { // tags in ascending order: 0x0112 before 0x0131
		binary.Write(&tiff, le, uint16(0x0112))
		binary.Write(&tiff, le, uint16(3)) // SHORT
		binary.Write(&tiff, le, uint32(1))
		binary.Write(&tiff, le, orientation)
		binary.Write(&tiff, le, uint16(0))
	}
	if software != "" {
		binary.Write(&tiff, le, uint16(0x0131))
		binary.Write(&tiff, le, uint16(2)) // ASCII
		binary.Write(&tiff, le, uint32(len(val)))
		binary.Write(&tiff, le, uint32(8+2+12*n+4)) // value after the IFD
	}
	binary.Write(&tiff, le, uint32(0)) // no next IFD
	if software != "" {
		tiff.Write(val)
	}
	payload := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	var out bytes.Buffer
	out.Write(jpg[:2])
	out.Write([]byte{0xFF, 0xE1})
	binary.Write(&out, binary.BigEndian, uint16(len(payload)+2))
	out.Write(payload)
	out.Write(jpg[2:])
	return out.Bytes()
}

// withXMPCreator inserts an XMP packet naming tool as its creator.
func withXMPCreator(jpg []byte, tool string) []byte {
	payload := []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta><rdf:Description xmp:CreatorTool=\"" + tool + "\"/></x:xmpmeta>")
	var out bytes.Buffer
	out.Write(jpg[:2])
	out.Write([]byte{0xFF, 0xE1})
	binary.Write(&out, binary.BigEndian, uint16(len(payload)+2))
	out.Write(payload)
	out.Write(jpg[2:])
	return out.Bytes()
}

// paint applies f to every pixel of img inside rect.
func paint(img *image.NRGBA, rect image.Rectangle, f func(x, y int, c color.NRGBA) color.NRGBA) {
	rect = rect.Intersect(img.Bounds())
	for y := rect.Min.Y; y < rect.Max.Y; y++ {
		for x := rect.Min.X; x < rect.Max.X; x++ {
			img.SetNRGBA(x, y, f(x, y, img.NRGBAAt(x, y)))
		}
	}
}

func disc(img *image.NRGBA, cx, cy, r float64, c color.NRGBA) {
	paint(img, image.Rect(int(cx-r), int(cy-r), int(cx+r)+1, int(cy+r)+1), func(x, y int, old color.NRGBA) color.NRGBA {
		if math.Hypot(float64(x)-cx, float64(y)-cy) <= r {
			return c
		}
		return old
	})
}

func toGrey(img *image.NRGBA) *image.NRGBA {
	out := imaging.Grayscale(img)
	return out
}
