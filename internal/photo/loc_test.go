package photo

import (
	"math"
	"slices"
	"testing"
)

// classify is pigo's classifyRegion: each stage's trees vote a shift of the point
// and the window shrinks by the cascade's scale.
func (c *locCascade) classify(r, col, s float32, img grey, flip bool) (float32, float32) {
	leaves := 1 << c.depth
	root := 0
	for i := 0; i < c.stages; i++ {
		var dr, dc float32
		si := int(math.Round(float64(s)))
		for j := 0; j < c.trees; j++ {
			idx := 0
			for k := 0; k < c.depth; k++ {
				code := c.codes[root+4*idx : root+4*idx+4]
				c1, c2 := int(code[1]), int(code[3])
				if flip {
					// pigo: int(-plc.treeCodes[...]), negated as int8
					c1, c2 = int(-code[1]), int(-code[3])
				}
				r1 := min(img.h-1, max(0, (256*int(r)+int(code[0])*si)>>8))
				r2 := min(img.h-1, max(0, (256*int(r)+int(code[2])*si)>>8))
				x1 := min(img.w-1, max(0, (256*int(col)+c1*si)>>8))
				x2 := min(img.w-1, max(0, (256*int(col)+c2*si)>>8))
				idx = 2*idx + 1
				if img.pix[r1*img.w+x1] > img.pix[r2*img.w+x2] {
					idx++
				}
			}
			lut := 2 * (c.trees*leaves*i + leaves*j + idx - (leaves - 1))
			dr += c.preds[lut]
			if flip {
				dc -= c.preds[lut+1]
			} else {
				dc += c.preds[lut+1]
			}
			root += 4*leaves - 4
		}
		r += dr * s
		col += dc * s
		s *= c.scale
	}
	return r, col
}

// The runs classified together give, bit for bit, what pigo's classifyRegion gives
// run by run.
func TestClassifyAllIsClassifyRegion(t *testing.T) {
	r := new(raster)
	r.load(loadTestImage(t, "frontal_plain_01.jpg"), 1)
	img := grey{pix: r.grey, w: r.w, h: r.h}
	d := testChecker(t).det
	for ci, x := range []struct {
		c    *locCascade
		flip bool
	}{{d.pupil, false}, {d.nose, false}, {d.upper, false}, {d.lower, false}, {d.inner, false}, {d.outer, true}, {d.inner, true}} {
		c := x.c
		var rs, cs, ss []float32
		for i := 0; i < 40; i++ {
			rs = append(rs, float32(r.h)*float32(i%7)/7+3.3*float32(i))
			cs = append(cs, float32(r.w)*float32(i%5)/5+1.7*float32(i))
			ss = append(ss, 20+float32(i)*4.1)
		}
		want := make([][2]float32, len(rs))
		for k := range rs {
			want[k][0], want[k][1] = c.classify(rs[k], cs[k], ss[k], img, x.flip)
		}
		for start := 0; start < len(rs); start += locPerturbs {
			end := min(len(rs), start+locPerturbs)
			c.classifyAll(rs[start:end], cs[start:end], ss[start:end], img, x.flip)
		}
		for k := range rs {
			if rs[k] != want[k][0] || cs[k] != want[k][1] {
				t.Fatalf("cascade %d run %d: (%v, %v), classifyRegion (%v, %v)", ci, k, rs[k], cs[k], want[k][0], want[k][1])
			}
		}
	}
}

// median selects what a sort would put in the middle, whatever the order and
// however many ties.
func TestMedianIsSortedMiddle(t *testing.T) {
	seed := uint32(1)
	next := func() uint32 { seed = seed*1664525 + 1013904223; return seed >> 8 }
	for n := 1; n < 300; n++ {
		for _, spread := range []uint32{2, 7, 1000, 1 << 20} {
			v := make([]float32, n)
			for i := range v {
				v[i] = float32(next()%spread) - float32(spread/2)
			}
			w := slices.Clone(v)
			slices.Sort(w)
			if got := median(v); got != float64(w[n/2]) {
				t.Fatalf("n=%d spread %d: %v, sorted middle %v", n, spread, got, w[n/2])
			}
		}
	}
}
