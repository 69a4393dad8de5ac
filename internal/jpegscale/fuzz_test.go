package jpegscale

import (
	"bytes"
	"image/jpeg"
	"testing"
)

// On any input the fork at scale 1 answers as image/jpeg does (an error, or the
// same pixels), and the reduced scales and regions never panic.
func FuzzDecodeIsImageJPEG(f *testing.F) {
	for _, data := range testFiles(&testing.T{}) {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
		if err != nil || cfg.Width*cfg.Height > 1<<20 {
			return
		}
		want, werr := jpeg.Decode(bytes.NewReader(data))
		got, gerr := DecodeScaled(bytes.NewReader(data), 1)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("image/jpeg error %v, fork error %v", werr, gerr)
		}
		if werr == nil {
			gs, ws := samples(got), samples(want)
			if len(gs) != len(ws) || got.Bounds() != want.Bounds() {
				t.Fatalf("%T %v, image/jpeg %T %v", got, got.Bounds(), want, want.Bounds())
			}
			for i := range gs {
				if !bytes.Equal(gs[i], ws[i]) {
					t.Fatalf("plane %d differs", i)
				}
			}
		}
		for _, d := range []int{2, 4, 8} {
			DecodeScaled(bytes.NewReader(data), d)
		}
		if werr == nil {
			b := want.Bounds()
			DecodeRegion(bytes.NewReader(data), 2, b.Inset(b.Dx()/4))
		}
	})
}
