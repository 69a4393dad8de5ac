package jpegscale

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"os"
	"runtime"
	"testing"
)

// testImage is a smooth gradient with some detail and odd sides, so partial
// blocks and MCUs at the edges are exercised.
func testImage(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := 128 + 100*math.Sin(float64(x)/17)*math.Cos(float64(y)/23)
			m.SetNRGBA(x, y, color.NRGBA{uint8(v), uint8(x * 255 / w), uint8(y * 255 / h), 255})
		}
	}
	return m
}

func encodeStd(t *testing.T, m image.Image, q int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// samples returns every sample plane of a decoded image, to compare them.
func samples(m image.Image) [][]byte {
	switch m := m.(type) {
	case *image.YCbCr:
		return [][]byte{m.Y, m.Cb, m.Cr}
	case *image.Gray:
		return [][]byte{m.Pix}
	case *image.RGBA:
		return [][]byte{m.Pix}
	case *image.CMYK:
		return [][]byte{m.Pix}
	}
	return nil
}

func testFiles(t *testing.T) map[string][]byte {
	files := map[string][]byte{
		"colour 420": encodeStd(t, testImage(333, 251), 90),
		"grey":       encodeStd(t, image.NewGray(image.Rect(0, 0, 77, 45)), 75),
	}
	g := image.NewGray(image.Rect(0, 0, 130, 70))
	for i := range g.Pix {
		g.Pix[i] = uint8(i * 7)
	}
	files["grey detail"] = encodeStd(t, g, 95)
	// Go's own test files: progressive, 4:4:4, 4:2:2, restart intervals, CMYK.
	for _, name := range []string{"video-001.progressive.jpeg", "video-001.q50.444.jpeg", "video-001.q50.422.jpeg",
		"video-001.restart.jpeg", "video-001.q50.420.progressive.jpeg", "video-001.cmyk.jpeg", "video-005.gray.q50.jpeg"} {
		b, err := os.ReadFile(goTestdata(name))
		if err == nil {
			files[name] = b
		}
	}
	return files
}

func goTestdata(name string) string { return goroot() + "/src/image/testdata/" + name }

func goroot() string {
	if r := os.Getenv("GOROOT"); r != "" {
		return r
	}
	return runtime.GOROOT()
}

// At scale 1 the fork decodes exactly as image/jpeg.
func TestScaleOneIsImageJPEG(t *testing.T) {
	for name, data := range testFiles(t) {
		want, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := DecodeScaled(bytes.NewReader(data), 1)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.Bounds() != want.Bounds() {
			t.Fatalf("%s: bounds %v, image/jpeg %v", name, got.Bounds(), want.Bounds())
		}
		gs, ws := samples(got), samples(want)
		if len(gs) == 0 || len(gs) != len(ws) {
			t.Fatalf("%s: %T vs %T", name, got, want)
		}
		for i := range gs {
			if !bytes.Equal(gs[i], ws[i]) {
				t.Errorf("%s: plane %d differs from image/jpeg", name, i)
			}
		}
	}
}

// A reduced decode is close to the full decode's block averages: within half a
// level on smooth content (what a 12 MP photo is at 8×8 pixels), within a few
// levels on small, detailed video frames, where dropping the high frequencies is a
// sharper low-pass than a box average (and aliases less).
func TestScaledIsBlockAverage(t *testing.T) {
	for name, data := range testFiles(t) {
		if name == "grey detail" || name == "video-001.cmyk.jpeg" {
			continue // a synthetic saw-tooth of high frequencies; ink, not light
		}
		full, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		fb := full.Bounds()
		for _, denom := range []int{2, 4, 8} {
			img, err := DecodeScaled(bytes.NewReader(data), denom)
			if err != nil {
				t.Fatalf("%s 1/%d: %v", name, denom, err)
			}
			b := img.Bounds()
			if b.Dx() != (fb.Dx()+denom-1)/denom || b.Dy() != (fb.Dy()+denom-1)/denom {
				t.Fatalf("%s 1/%d: size %v from %v", name, denom, b, fb)
			}
			var sum, n float64
			worst := 0.0
			for y := 0; y < fb.Dy()/denom; y++ {
				for x := 0; x < fb.Dx()/denom; x++ {
					var avg float64
					for dy := 0; dy < denom; dy++ {
						for dx := 0; dx < denom; dx++ {
							avg += luma(full.At(x*denom+dx, y*denom+dy))
						}
					}
					avg /= float64(denom * denom)
					d := math.Abs(luma(img.At(x, y)) - avg)
					sum += d
					n++
					worst = max(worst, d)
				}
			}
			t.Logf("%s 1/%d: mean |difference| %.2f, worst %.0f", name, denom, sum/n, worst)
			limit := 3.5
			if name == "colour 420" || name == "grey" {
				limit = 0.5
			}
			if mean := sum / n; mean > limit {
				t.Errorf("%s 1/%d: mean |difference| from the block average %.2f levels (worst %.0f)", name, denom, mean, worst)
			}
		}
	}
}

func luma(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	return (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(b)) / 257
}

func TestDecodeScaledRefusesOtherDenominators(t *testing.T) {
	data := encodeStd(t, testImage(16, 16), 90)
	for _, d := range []int{0, 3, 16, -2} {
		if _, err := DecodeScaled(bytes.NewReader(data), d); err == nil {
			t.Errorf("denominator %d accepted", d)
		}
	}
}

// flatBlock gives what idct gives for a block with only a DC coefficient, over
// every DC it takes; outside that range it declines.
func TestFlatBlockIsIDCT(t *testing.T) {
	var qt block
	qt[0] = 1
	for dc := int32(-20000); dc <= 20000; dc++ {
		var b block
		b[0] = dc
		got, ok := flatBlock(&b, &qt)
		idct(&b)
		if !ok {
			if dc > -16376 && dc < 16376 {
				t.Fatalf("dc %d declined", dc)
			}
			continue
		}
		for i, v := range b {
			if v != got {
				t.Fatalf("dc %d: pixel %d is %d, flatBlock %d", dc, i, v, got)
			}
		}
	}
	var b block
	b[0], b[9] = 100, 1
	if _, ok := flatBlock(&b, &qt); ok {
		t.Error("a block with an AC coefficient taken as flat")
	}
}

// DecodeRegion gives DecodeScaled's pixels inside the region.
func TestDecodeRegionIsDecodeScaledInside(t *testing.T) {
	for name, data := range testFiles(t) {
		for _, denom := range []int{1, 2} {
			full, err := DecodeScaled(bytes.NewReader(data), denom)
			if err != nil {
				t.Fatal(err)
			}
			b := full.Bounds()
			region := image.Rect(b.Dx()/5, b.Dy()/3, b.Dx()*3/4, b.Dy()*5/6)
			part, err := DecodeRegion(bytes.NewReader(data), denom, region)
			if err != nil {
				t.Fatal(err)
			}
			if part.Bounds() != b {
				t.Fatalf("%s: bounds %v, want %v", name, part.Bounds(), b)
			}
			outside := 0
			for y := b.Min.Y; y < b.Max.Y; y++ {
				for x := b.Min.X; x < b.Max.X; x++ {
					in := image.Pt(x, y).In(region)
					same := full.At(x, y) == part.At(x, y)
					if in && !same {
						t.Fatalf("%s 1/%d: pixel (%d, %d) differs inside the region", name, denom, x, y)
					}
					if !in && !same {
						outside++
					}
				}
			}
			if outside == 0 && name == "colour 420" {
				t.Errorf("%s 1/%d: nothing skipped outside the region", name, denom)
			}
		}
	}
}
