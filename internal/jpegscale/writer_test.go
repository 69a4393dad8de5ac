package jpegscale

import (
	"bytes"
	"image"
	"image/jpeg"
	"testing"
)

// The encoder's output is byte for byte image/jpeg's, on the fast 4:2:0 path and
// the general ones.
func TestEncodeIsImageJPEG(t *testing.T) {
	src := testImage(480, 640)
	ycc := func(w, h int, r image.YCbCrSubsampleRatio) *image.YCbCr {
		m := image.NewYCbCr(image.Rect(0, 0, w, h), r)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				c := src.NRGBAAt(x%480, y%640)
				yy, cb, cr := colorToYCbCr(c.R, c.G, c.B)
				m.Y[m.YOffset(x, y)] = yy
				m.Cb[m.COffset(x, y)] = cb
				m.Cr[m.COffset(x, y)] = cr
			}
		}
		return m
	}
	grey := image.NewGray(image.Rect(0, 0, 61, 33))
	for i := range grey.Pix {
		grey.Pix[i] = uint8(i * 13)
	}
	images := map[string]image.Image{
		"420 480×640":       ycc(480, 640, image.YCbCrSubsampleRatio420),
		"420 odd":           ycc(101, 37, image.YCbCrSubsampleRatio420),
		"420 sub-image":     ycc(160, 160, image.YCbCrSubsampleRatio420).SubImage(image.Rect(16, 32, 144, 160)),
		"420 odd sub-image": ycc(160, 160, image.YCbCrSubsampleRatio420).SubImage(image.Rect(1, 3, 129, 131)),
		"444":               ycc(64, 48, image.YCbCrSubsampleRatio444),
		"nrgba":             testImage(99, 71),
		"grey":              grey,
	}
	for name, m := range images {
		for _, q := range []int{1, 30, 75, 90, 95, 100} {
			var want, got bytes.Buffer
			if err := jpeg.Encode(&want, m, &jpeg.Options{Quality: q}); err != nil {
				t.Fatal(err)
			}
			if err := Encode(&got, m, &Options{Quality: q}); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Errorf("%s q%d: %d bytes differ from image/jpeg's %d", name, q, got.Len(), want.Len())
			}
		}
	}
}

func colorToYCbCr(r, g, b uint8) (uint8, uint8, uint8) {
	yy := (19595*int(r) + 38470*int(g) + 7471*int(b) + 1<<15) >> 16
	cb := (-11056*int(r) - 21712*int(g) + 32768*int(b) + 257<<15) >> 16
	cr := (32768*int(r) - 27440*int(g) - 5328*int(b) + 257<<15) >> 16
	return uint8(min(255, max(0, yy))), uint8(min(255, max(0, cb))), uint8(min(255, max(0, cr)))
}

// quantize divides exactly as image/jpeg's div for every quantiser and every
// coefficient a forward DCT of 8-bit samples can give (and beyond).
func TestQuantizeIsDivision(t *testing.T) {
	div := func(a, b int32) int32 {
		if a >= 0 {
			return (a + (b >> 1)) / b
		}
		return -((-a + (b >> 1)) / b)
	}
	var e encoder
	for q := 1; q <= 255; q++ {
		e.quant[0][0] = uint8(q)
		e.recip[0][0] = (1<<32 + uint64(8*q) - 1) / uint64(8*q)
		for a := int32(-1 << 17); a <= 1<<17; a++ {
			if got, want := e.quantize(a, 0, 0), div(a, int32(8*q)); got != want {
				t.Fatalf("quantiser %d, coefficient %d: %d, want %d", q, a, got, want)
			}
		}
		for _, a := range []int32{1<<20 - 1, 1 << 20, 1<<20 + 1000, -(1 << 21), 1 << 30} {
			if got, want := e.quantize(a, 0, 0), div(a, int32(8*q)); got != want {
				t.Fatalf("quantiser %d, coefficient %d: %d, want %d", q, a, got, want)
			}
		}
	}
}
