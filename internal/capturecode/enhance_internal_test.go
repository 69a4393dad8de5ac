package capturecode

import (
	"math/rand/v2"
	"testing"
)

// boxBlur must equal the plain (2r+1)² average with clamped edges.
func TestBoxBlurMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	g := newGray(23, 17)
	for i := range g.Pix {
		g.Pix[i] = uint8(rng.IntN(256))
	}
	w, h := g.Rect.Dx(), g.Rect.Dy()
	for _, r := range []int{1, 2, 4} {
		got := boxBlur(g, r)
		// Horizontal then vertical, each truncating, as boxBlur does.
		tmp := make([]int, w*h)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				s := 0
				for k := -r; k <= r; k++ {
					s += int(g.Pix[y*w+min(max(x+k, 0), w-1)])
				}
				tmp[y*w+x] = s / (2*r + 1)
			}
		}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				s := 0
				for k := -r; k <= r; k++ {
					s += tmp[min(max(y+k, 0), h-1)*w+x]
				}
				if want := uint8(s / (2*r + 1)); got.Pix[y*w+x] != want {
					t.Fatalf("r=%d (%d,%d): %d, want %d", r, x, y, got.Pix[y*w+x], want)
				}
			}
		}
	}
}

// normalize lifts a pattern of 4 grey levels to a wide range and leaves a flat
// image flat (mid grey), rather than amplifying nothing into noise.
func TestNormalizeLiftsLowContrast(t *testing.T) {
	g := newGray(160, 160)
	for y := 0; y < 160; y++ {
		for x := 0; x < 160; x++ {
			g.Pix[y*160+x] = 226
			if (x/10+y/10)%2 == 0 {
				g.Pix[y*160+x] = 230
			}
		}
	}
	n := normalize(g, 1)
	lo, hi := 255, 0
	for _, v := range n.Pix {
		lo, hi = min(lo, int(v)), max(hi, int(v))
	}
	if hi-lo < 90 { // ±1 deviation maps to ±50
		t.Fatalf("normalized range %d..%d, want ≥ 90 wide", lo, hi)
	}
	// Dark squares stay darker than light ones.
	if n.Pix[5*160+5] <= n.Pix[5*160+15] {
		t.Fatalf("polarity lost: %d (was 230) vs %d (was 226)", n.Pix[5*160+5], n.Pix[5*160+15])
	}
	flat := newGray(64, 64)
	for i := range flat.Pix {
		flat.Pix[i] = 200
	}
	for i, v := range normalize(flat, 3).Pix {
		if v != 128 {
			t.Fatalf("flat image: pixel %d is %d, want 128", i, v)
		}
	}
}

// squash averages the pixels each output pixel covers.
func TestSquash(t *testing.T) {
	g := newGray(10, 2)
	for i := range g.Pix {
		g.Pix[i] = uint8(10 * (i % 10))
	}
	s := squash(g, 1, 2, false)
	if s.Rect.Dx() != 5 || s.Rect.Dy() != 2 || s.Pix[0] != 5 || s.Pix[4] != 85 {
		t.Fatalf("squash x: %dx%d %v", s.Rect.Dx(), s.Rect.Dy(), s.Pix)
	}
	v := squash(g, 1, 2, true)
	if v.Rect.Dx() != 10 || v.Rect.Dy() != 1 || v.Pix[3] != 30 {
		t.Fatalf("squash y: %dx%d %v", v.Rect.Dx(), v.Rect.Dy(), v.Pix)
	}
}
