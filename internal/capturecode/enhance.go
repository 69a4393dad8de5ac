package capturecode

import (
	"image"
)

// The enhancements of the later cascade stages. Each returns a new *image.Gray of
// at most the input's size and allocates nothing else proportional to the image but
// small tile grids (a 12 MP photo is never copied into floats).

// normTile is the tile side of the local statistics; the window is normSpan tiles
// wide, a few QR modules in a screenshot or photo at working resolution.
const (
	normTile = 16
	normSpan = 2 // tiles each side of the centre tile: a 5×5-tile (80 px) window
)

// normalize is a CLAHE-like local contrast normalisation: every pixel is mapped by
// the mean and standard deviation of its neighbourhood (from tile statistics,
// interpolated between tile centres) to 128 ± a fixed spread. It lifts the modules
// out of a glare, a washed-out or dimmed screen, or a vignetted photo, where their
// contrast is a few grey levels and the hybrid binarizer's minimum range (24)
// declares the region blank. floor is the smallest deviation that is stretched: below
// it a region is flat (sensor noise), and stays grey rather than turning into noise.
func normalize(g *image.Gray, floor int) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	tw, th := (w+normTile-1)/normTile, (h+normTile-1)/normTile
	// Per-tile sums of v and v².
	sum := make([]int64, tw*th)
	sq := make([]int64, tw*th)
	cnt := make([]int64, tw*th)
	for y := 0; y < h; y++ {
		row := g.Pix[y*w : (y+1)*w]
		ty := y / normTile
		for tx := 0; tx < tw; tx++ {
			var s, s2 int64
			x1 := min((tx+1)*normTile, w)
			for _, v := range row[tx*normTile : x1] {
				s += int64(v)
				s2 += int64(v) * int64(v)
			}
			i := ty*tw + tx
			sum[i] += s
			sq[i] += s2
			cnt[i] += int64(x1 - tx*normTile)
		}
	}
	// Window statistics per tile: mean (in 1/16) and a gain (in 1/256) that maps ±2
	// deviations to ±100.
	mean := make([]int32, tw*th)
	gain := make([]int32, tw*th)
	for ty := 0; ty < th; ty++ {
		for tx := 0; tx < tw; tx++ {
			var s, s2, n int64
			for y := max(ty-normSpan, 0); y <= min(ty+normSpan, th-1); y++ {
				for x := max(tx-normSpan, 0); x <= min(tx+normSpan, tw-1); x++ {
					i := y*tw + x
					s += sum[i]
					s2 += sq[i]
					n += cnt[i]
				}
			}
			// In 1/16 grey levels: the low-contrast cases differ by a few levels.
			sd16 := isqrt(256 * (s2*n - s*s) / (n * n))
			sd16 = max(sd16, int64(16*floor), 1)
			mean[ty*tw+tx] = int32(16 * s / n)
			gain[ty*tw+tx] = int32(100 * 256 * 16 / (2 * sd16))
		}
	}
	d := newGray(w, h)
	for y := 0; y < h; y++ {
		ty0, ty1, fy := tileLerp(y, th)
		row := g.Pix[y*w : (y+1)*w]
		out := d.Pix[y*w : (y+1)*w]
		for x := range out {
			tx0, tx1, fx := tileLerp(x, tw)
			a, b := ty0*tw+tx0, ty0*tw+tx1
			c, e := ty1*tw+tx0, ty1*tw+tx1
			m := ((mean[a]*(256-fx)+mean[b]*fx)*(256-fy) + (mean[c]*(256-fx)+mean[e]*fx)*fy) >> 16
			k := ((gain[a]*(256-fx)+gain[b]*fx)>>8*(256-fy) + (gain[c]*(256-fx)+gain[e]*fx)>>8*fy) >> 8
			v := 128 + ((16*int32(row[x])-m)*k)>>12
			out[x] = uint8(min(max(v, 0), 255))
		}
	}
	return d
}

// tileLerp locates pixel coordinate p between the centres of tiles t0 and t1 (of n),
// with the weight f of t1 in 1/256; clamped at the borders.
func tileLerp(p, n int) (t0, t1 int, f int32) {
	c := (p*256+128)/normTile - 128
	t0 = min(max(c>>8, 0), n-1)
	t1 = min(t0+1, n-1)
	if c < 0 {
		return t0, t1, 0
	}
	return t0, t1, int32(min(max(c-t0*256, 0), 256))
}

func isqrt(n int64) int64 {
	if n <= 0 {
		return 0
	}
	x := n
	y := (x + 1) / 2
	for y < x {
		x = y
		y = (x + n/x) / 2
	}
	return x
}

// boxBlur averages over a (2r+1)² window with running sums (clamped at the edges):
// O(1) a pixel whatever r. One row of sums is the only extra memory.
func boxBlur(g *image.Gray, r int) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	// Horizontal pass into d, then vertical pass in place with a column-sum row.
	d := newGray(w, h)
	n := uint32(2*r + 1)
	for y := 0; y < h; y++ {
		src := g.Pix[y*w : (y+1)*w]
		dst := d.Pix[y*w : (y+1)*w]
		var s uint32
		for k := -r; k <= r; k++ {
			s += uint32(src[min(max(k, 0), w-1)])
		}
		for x := range dst {
			dst[x] = uint8(s / n)
			s += uint32(src[min(x+r+1, w-1)])
			s -= uint32(src[max(x-r, 0)])
		}
	}
	cols := make([]uint32, w)
	for k := -r; k <= r; k++ {
		yy := min(max(k, 0), h-1)
		for x := range cols {
			cols[x] += uint32(d.Pix[yy*w+x])
		}
	}
	// Vertical pass: the window for row y needs rows y-r…y+r of the horizontal result,
	// which in-place writing would overwrite; keep a ring of the r+1 rows still needed.
	ring := make([]uint8, (r+1)*w)
	for y := 0; y < h; y++ {
		copy(ring[(y%(r+1))*w:], d.Pix[y*w:(y+1)*w])
		out := d.Pix[y*w : (y+1)*w]
		add := d.Pix[min(y+r+1, h-1)*w:]
		var sub []uint8
		if y-r >= 0 {
			sub = ring[((y-r)%(r+1))*w:]
		} else {
			sub = ring[0:] // row 0, clamped (still in the ring while y < r+1)
		}
		for x := range out {
			v := cols[x] / n
			cols[x] += uint32(add[x])
			cols[x] -= uint32(sub[x])
			out[x] = uint8(v)
		}
	}
	return d
}

// sharpen is an unsharp mask, v + amount·(v − blur_r(v)), amount in 1/4: it steepens
// the edges of a defocused code so that neighbouring modules separate again.
func sharpen(g *image.Gray, r, amount int) *image.Gray {
	b := boxBlur(g, r)
	for i, v := range g.Pix {
		s := int(v) + amount*(int(v)-int(b.Pix[i]))/4
		b.Pix[i] = uint8(min(max(s, 0), 255))
	}
	return b
}

// squash resamples with the x axis (or y, when vertical) scaled by num/den < 1,
// averaging the source pixels each output pixel covers. A screen photographed at
// 45–60° is foreshortened along one axis: its finder patterns are too flat for the
// detector's 1:1 cross-check, and squashing the other axis restores them.
func squash(g *image.Gray, num, den int, vertical bool) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	if vertical {
		dh := h * num / den
		d := newGray(w, dh)
		for y := 0; y < dh; y++ {
			y0, y1 := y*den/num, max((y+1)*den/num, y*den/num+1)
			y1 = min(y1, h)
			out := d.Pix[y*w : (y+1)*w]
			for x := range out {
				var s int
				for yy := y0; yy < y1; yy++ {
					s += int(g.Pix[yy*w+x])
				}
				out[x] = uint8(s / (y1 - y0))
			}
		}
		return d
	}
	dw := w * num / den
	d := newGray(dw, h)
	for y := 0; y < h; y++ {
		src := g.Pix[y*w : (y+1)*w]
		out := d.Pix[y*dw : (y+1)*dw]
		for x := range out {
			x0, x1 := x*den/num, max((x+1)*den/num, x*den/num+1)
			x1 = min(x1, w)
			var s int
			for _, v := range src[x0:x1] {
				s += int(v)
			}
			out[x] = uint8(s / (x1 - x0))
		}
	}
	return d
}
