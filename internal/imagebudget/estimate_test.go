package imagebudget_test

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"runtime"
	"testing"

	"github.com/gradphoto/gradphoto/internal/imagebudget"
	"github.com/gradphoto/gradphoto/internal/imagebudget/bomb"
)

// allocated decodes data with the standard library and returns the bytes it allocated
// (an upper bound of what it held at its peak).
func allocated(t *testing.T, data []byte) (int64, image.Image) {
	t.Helper()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	img, _, err := image.Decode(bytes.NewReader(data))
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return int64(after.TotalAlloc - before.TotalAlloc), img
}

func encJPEG(t *testing.T, img image.Image) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encPNG(t *testing.T, img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// The header estimate follows what image/jpeg and image/png really allocate: never
// less than 90 % of it (the rest is tables and buffers of a few KB) and never more
// than 30 % above, for the kinds of file the service sees and for the bombs.
func TestEstimateFollowsTheDecoders(t *testing.T) {
	rgba := image.NewRGBA(image.Rect(0, 0, 1500, 1000))
	for i := range rgba.Pix {
		rgba.Pix[i] = byte(i * 7)
	}
	gray := image.NewGray(image.Rect(0, 0, 1500, 1000))
	gray16 := image.NewGray16(image.Rect(0, 0, 1200, 900))
	pal := image.NewPaletted(image.Rect(0, 0, 1200, 900), color.Palette{color.Black, color.White})
	progColour, err := bomb.ProgressiveJPEG(2400, 1800, 3, "")
	if err != nil {
		t.Fatal(err)
	}
	progGrey, err := bomb.ProgressiveJPEG(2400, 1800, 1, "")
	if err != nil {
		t.Fatal(err)
	}
	png16, err := bomb.PNG16(1500, 1000)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		data []byte
	}{
		{"baseline 4:2:0 JPEG", encJPEG(t, rgba)},
		{"grey JPEG", encJPEG(t, gray)},
		{"progressive colour JPEG (bomb)", progColour},
		{"progressive grey JPEG (bomb)", progGrey},
		{"8-bit RGBA PNG", encPNG(t, rgba)},
		{"grey PNG", encPNG(t, gray)},
		{"16-bit grey PNG", encPNG(t, gray16)},
		{"palette PNG", encPNG(t, pal)},
		{"16-bit RGBA PNG (bomb)", png16},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			est := imagebudget.Of(c.data)
			got, img := allocated(t, c.data)
			b := img.Bounds()
			if est.Width != b.Dx() || est.Height != b.Dy() {
				t.Fatalf("estimate says %d×%d, image is %v", est.Width, est.Height, b)
			}
			ratio := float64(est.DecodeBytes) / float64(got)
			t.Logf("%s: estimate %d, allocated %d (×%.2f)", c.name, est.DecodeBytes, got, ratio)
			if ratio < 0.9 || ratio > 1.3 {
				t.Fatalf("estimate %d bytes for a decode that allocated %d (×%.2f)", est.DecodeBytes, got, ratio)
			}
		})
	}
}

// The bombs of the attack run: small files, estimates in the hundreds of megabytes.
func TestBombsAreSmallAndEstimatedLarge(t *testing.T) {
	jpg, err := bomb.ProgressiveJPEG(5400, 7200, 3, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(jpg) > 300<<10 {
		t.Fatalf("progressive bomb is %d bytes", len(jpg))
	}
	if est := imagebudget.Of(jpg); est.DecodeBytes < 500<<20 {
		t.Fatalf("5400×7200 progressive JPEG estimated at %d bytes", est.DecodeBytes)
	}
	if est := imagebudget.Of([]byte("not an image")); est.DecodeBytes != 0 || est.Format != "" {
		t.Fatalf("text estimated as %+v", est)
	}
	if est := imagebudget.Of(jpg[:20]); est.DecodeBytes != 0 {
		t.Fatalf("a truncated header estimated as %+v", est)
	}
}
