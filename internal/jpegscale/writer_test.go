package jpegscale

import (
	"bytes"
	"image"
	"image/jpeg"
	"math/rand/v2"
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
			if got, want := encodeBoth(t, m, q); !bytes.Equal(got, want) {
				t.Errorf("%s q%d: %d bytes differ from image/jpeg's %d", name, q, len(got), len(want))
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
// coefficient a forward DCT of 8-bit samples can give (and far beyond).
func TestQuantizeIsDivision(t *testing.T) {
	div := func(a, b int32) int32 {
		if a >= 0 {
			return (a + (b >> 1)) / b
		}
		return -((-a + (b >> 1)) / b)
	}
	for q := 1; q <= 255; q++ {
		recip := (1<<32 + uint64(8*q) - 1) / uint64(8*q)
		for a := int32(-1 << 17); a <= 1<<17; a++ {
			if got, want := quantize(a, uint8(q), recip), div(a, int32(8*q)); got != want {
				t.Fatalf("quantiser %d, coefficient %d: %d, want %d", q, a, got, want)
			}
		}
	}
}

// Random images of every kind the encoder takes, random sizes and qualities,
// byte for byte image/jpeg's: noise (many 0xff bytes to stuff, long codes),
// flat areas with lone details (long zero runs, ZRL codes, end-of-block), and
// smooth gradients. The seed is fixed, so the test is the same on every run.
func TestEncodeRandomIsImageJPEG(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 95))
	n := 300
	if testing.Short() {
		n = 60
	}
	for k := range n {
		w, h := 1+rng.IntN(80), 1+rng.IntN(80)
		if k%10 == 0 {
			w, h = 16*(1+rng.IntN(6)), 16*(1+rng.IntN(6)) // whole MCUs: the 4:2:0 fast path
		}
		kind := rng.IntN(3)
		sample := func(x, y, c int) uint8 {
			switch kind {
			case 0: // noise
				return uint8(rng.Uint32())
			case 1: // flat, with a rare outlier
				if rng.IntN(200) == 0 {
					return uint8(rng.Uint32())
				}
				return uint8(60 * c)
			}
			return uint8(x*3 + y*5 + c*40 + rng.IntN(4))
		}
		var m image.Image
		switch form := rng.IntN(6); form {
		case 0:
			g := image.NewGray(image.Rect(0, 0, w, h))
			for y := range h {
				for x := range w {
					g.Pix[g.PixOffset(x, y)] = sample(x, y, 0)
				}
			}
			m = g
		case 1, 2:
			r := image.NewRGBA(image.Rect(0, 0, w, h))
			if form == 2 {
				r = image.NewRGBA(image.Rect(-3, 5, w-3, h+5))
			}
			for i := range r.Pix {
				r.Pix[i] = sample(i/4%w, i/4/w, i%4)
			}
			m = r
		case 3:
			n := image.NewNRGBA(image.Rect(0, 0, w, h))
			for i := range n.Pix {
				n.Pix[i] = sample(i/4%w, i/4/w, i%4)
			}
			m = n
		default:
			ratios := []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio420,
				image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio444}
			y := image.NewYCbCr(image.Rect(0, 0, w, h), ratios[rng.IntN(len(ratios))])
			for i := range y.Y {
				y.Y[i] = sample(i%w, i/w, 0)
			}
			for i := range y.Cb {
				y.Cb[i] = sample(i, 0, 1)
				y.Cr[i] = sample(i, 0, 2)
			}
			m = y
			if rng.IntN(3) == 0 && w > 4 && h > 4 {
				m = y.SubImage(image.Rect(2, 2, w, h))
			}
		}
		q := 1 + rng.IntN(100)
		if k%4 == 0 {
			q = 95
		}
		if got, want := encodeBoth(t, m, q); !bytes.Equal(got, want) {
			t.Fatalf("image %d (%T %v, kind %d, q%d): %d bytes differ from image/jpeg's %d", k, m, m.Bounds(), kind, q, len(got), len(want))
		}
	}
}

// The forward DCT of 8-bit samples stays within ±2¹⁴, where quantize is
// exact (TestQuantizeIsDivision): the extreme blocks (every sign pattern of a
// row and column basis function, at 0 and 255) and random ones.
func TestFDCTRange(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	check := func(p pixBlock) {
		var b block
		fdct(&b, p[:], 8)
		for i, c := range b {
			if c < -1<<14 || c > 1<<14 {
				t.Fatalf("coefficient %d is %d", i, c)
			}
		}
	}
	for rows := range 256 {
		for cols := range 256 {
			var p pixBlock
			for i := range p {
				if (rows>>(i/8)^cols>>(i%8))&1 != 0 {
					p[i] = 255
				}
			}
			check(p)
		}
	}
	for range 100000 {
		var p pixBlock
		for i := range p {
			p[i] = uint8(rng.IntN(256))
		}
		check(p)
	}
}

// The forward DCT of a block of one level v is 64·(v-128) at DC and zero
// elsewhere, which writeBlock writes for such a block without the transform.
func TestFlatFDCT(t *testing.T) {
	for v := range 256 {
		var p pixBlock
		for i := range p {
			p[i] = uint8(v)
		}
		if got, ok := flatSamples(p[:], 8); !ok || got != uint8(v) {
			t.Fatalf("level %d: flatSamples %d %v", v, got, ok)
		}
		var b block
		fdct(&b, p[:], 8)
		want := block{0: 64 * (int32(v) - 128)}
		if b != want {
			t.Fatalf("level %d: %v", v, b)
		}
	}
	var p pixBlock
	p[63] = 1
	if _, ok := flatSamples(p[:], 8); ok {
		t.Error("a block with one sample apart taken as flat")
	}
}

// encodeBoth encodes m at quality q with this package and with image/jpeg.
func encodeBoth(t *testing.T, m image.Image, q int) (ours, theirs []byte) {
	t.Helper()
	var o, w bytes.Buffer
	if err := Encode(&o, m, &Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&w, m, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return o.Bytes(), w.Bytes()
}
