// Copyright 2026 The gradphoto authors. The decoder this extends is Go's
// image/jpeg, Copyright 2009 The Go Authors, under the BSD licence in LICENSE.

package jpegscale

// zigOf maps a natural (row-major) coefficient position to its zig-zag index,
// where the quantisation tables keep it.
var zigOf = func() (z [blockSize]int) {
	for zig, nat := range unzig {
		z[nat] = zig
	}
	return z
}()

// Fixed-point cosines (×2¹³) of the 4-point inverse DCT.
const (
	fixC1 = 7568 // cos(π/8)
	fixC3 = 3135 // cos(3π/8)
	fixC4 = 5793 // cos(π/4)
)

// reconstructScaled dequantises the low frequencies of b (coefficients in natural
// order, qt in zig-zag order) and writes the block at 1/2^shift of its size to dst:
// the k-point inverse DCT (k = 8>>shift) of the top-left k×k coefficients, each
// scaled by k/8, which keeps a flat block's level. Integer arithmetic only, so
// the same bytes give the same pixels everywhere.
func reconstructScaled(b *block, qt *block, shift uint, dst []byte, stride int) {
	f := func(row, col int) int64 {
		n := row*8 + col
		return int64(b[n]) * int64(qt[zigOf[n]])
	}
	switch shift {
	case 3: // DC: the block's mean
		dst[0] = level(f(0, 0), 3)
	case 2: // 2×2: out = (F00 ± F01 ± F10 ± F11) / 8
		f00, f01, f10, f11 := f(0, 0), f(0, 1), f(1, 0), f(1, 1)
		dst[0] = level(f00+f01+f10+f11, 3)
		dst[1] = level(f00-f01+f10-f11, 3)
		dst[stride] = level(f00+f01-f10-f11, 3)
		dst[stride+1] = level(f00-f01-f10+f11, 3)
	case 1: // 4×4, rows then columns; each pass is ½·(even ± odd)
		var t [16]int64 // ×2¹³
		for v := 0; v < 4; v++ {
			idct4(f(v, 0), f(v, 1), f(v, 2), f(v, 3), t[v*4:v*4+4])
		}
		var col [4]int64
		for x := 0; x < 4; x++ {
			idct4(t[x], t[4+x], t[8+x], t[12+x], col[:])
			for y := 0; y < 4; y++ {
				dst[y*stride+x] = level(col[y], 28) // ×2²⁶ from the cosines, ×¼ from the passes
			}
		}
	}
}

// idct4 writes the 4-point inverse DCT of F0..F3 to out, ×2¹³ and without the ½.
func idct4(f0, f1, f2, f3 int64, out []int64) {
	e0 := fixC4 * (f0 + f2)
	e1 := fixC4 * (f0 - f2)
	o0 := fixC1*f1 + fixC3*f3
	o1 := fixC3*f1 - fixC1*f3
	out[0], out[1], out[2], out[3] = e0+o0, e1+o1, e1-o1, e0-o0
}

// level divides v by 2^shift rounding to nearest, shifts by +128 and clips to a byte.
func level(v int64, shift uint) uint8 {
	c := (v+1<<(shift-1))>>shift + 128
	if c < 0 {
		return 0
	}
	if c > 255 {
		return 255
	}
	return uint8(c)
}

// flatBlock reports whether b has no AC coefficient and, if so, the level idct
// gives every pixel of it (before the +128 shift): the dequantised DC / 8,
// rounded, which idct computes exactly for |DC| < 16376 (beyond that its
// fixed-point range wraps, and the block takes the full transform).
func flatBlock(b *block, qt *block) (int32, bool) {
	for _, v := range b[1:] {
		if v != 0 {
			return 0, false
		}
	}
	dc := b[0] * qt[0]
	if dc <= -16376 || dc >= 16376 {
		return 0, false
	}
	return (dc + 4) >> 3, true
}
