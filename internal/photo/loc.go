package photo

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// locCascade is a pigo pupil/landmark ("puploc") cascade, unpacked and run here
// rather than through pigo's RunDetector: pigo perturbs each run with math/rand's
// global source, randomly seeded since Go 1.20 (rand.Seed is a no-op since 1.24),
// so the same photo gave different landmarks on every run. Here the perturbations
// are a fixed sequence, so the same pixels always give the same landmarks. The
// tree walk is pigo v1.4.6's classifyRegion (kept in loc_test.go as the reference),
// run for all perturbations together.
type locCascade struct {
	stages, trees, depth int
	scale                float32
	codes                []int8
	preds                []float32
}

// unpackLoc reads pigo's binary cascade format: stages, scale multiplier, trees
// per stage, tree depth, then per tree 4·(2^depth−1) codes and 2·2^depth leaf floats.
func unpackLoc(b []byte) (*locCascade, error) {
	if len(b) < 16 {
		return nil, fmt.Errorf("cascade too short")
	}
	le := binary.LittleEndian
	c := &locCascade{
		stages: int(le.Uint32(b)),
		scale:  math.Float32frombits(le.Uint32(b[4:])),
		trees:  int(le.Uint32(b[8:])),
		depth:  int(le.Uint32(b[12:])),
	}
	if c.depth <= 0 || c.depth > 16 || c.stages <= 0 || c.trees <= 0 {
		return nil, fmt.Errorf("cascade header out of range")
	}
	leaves := 1 << c.depth
	per := 4*leaves - 4 + 8*leaves
	if len(b)-16 != c.stages*c.trees*per {
		return nil, fmt.Errorf("cascade size %d does not match its header", len(b))
	}
	pos := 16
	c.codes = make([]int8, 0, c.stages*c.trees*(4*leaves-4))
	c.preds = make([]float32, 0, c.stages*c.trees*2*leaves)
	for t := 0; t < c.stages*c.trees; t++ {
		for _, v := range b[pos : pos+4*leaves-4] {
			c.codes = append(c.codes, int8(v))
		}
		pos += 4*leaves - 4
		for i := 0; i < 2*leaves; i++ {
			c.preds = append(c.preds, math.Float32frombits(le.Uint32(b[pos:])))
			pos += 4
		}
	}
	return c, nil
}

// grey is an 8-bit luma image for the cascades.
type grey struct {
	pix  []uint8
	w, h int
}

// locPerturbs is the number of perturbed runs whose median is a landmark; odd, so
// the median is one run's value.
const locPerturbs = 31

// perturbs are the fixed offsets of the runs (row, col in [−0.5, 0.5), scale in
// [0, 1)): a Halton sequence (bases 2, 3, 5), spread evenly like pigo's uniform
// random draws but the same on every run.
var perturbs = func() (p [locPerturbs][3]float32) {
	halton := func(i, base int) float32 {
		f, r := 1.0, 0.0
		for ; i > 0; i /= base {
			f /= float64(base)
			r += f * float64(i%base)
		}
		return float32(r)
	}
	for i := range p {
		p[i] = [3]float32{halton(i+1, 2) - 0.5, halton(i+1, 3) - 0.5, halton(i+1, 5)}
	}
	return p
}()

// locate runs the cascade from (row, col) at scale s over the first n (odd, ≤
// locPerturbs) fixed perturbations (pigo's ranges: position ± 7.5 % of the scale,
// scale × 0.925–1.075) and returns the median row and column.
//
// The runs are classified together, tree by tree (classifyAll): each run does
// exactly what classify does, in the same order, so the result is the same, but a
// tree's nodes are read once for all the runs instead of once per run.
func (c *locCascade) locate(row, col, s float64, img grey, n int) (float64, float64) {
	return c.locateFlip(row, col, s, img, n, false)
}

// locateFlip is locate with the trees mirrored left to right when flip (pigo's
// flipV: a cascade trained on one side of the face run on the other).
func (c *locCascade) locateFlip(row, col, s float64, img grey, n int, flip bool) (float64, float64) {
	var rows, cols, scales [locPerturbs]float32
	for i, p := range perturbs[:n] {
		rows[i] = float32(row) + float32(s)*0.15*p[0]
		cols[i] = float32(col) + float32(s)*0.15*p[1]
		scales[i] = float32(s) * (0.925 + 0.15*p[2])
	}
	c.classifyAll(rows[:n], cols[:n], scales[:n], img, flip)
	slices.Sort(rows[:n])
	slices.Sort(cols[:n])
	return float64(rows[n/2]), float64(cols[n/2])
}

// classifyAll is classify (mirrored when flip) of every run (rs[k], cs[k], ss[k]),
// in place: stage by stage, tree by tree, run by run.
func (c *locCascade) classifyAll(rs, cs, ss []float32, img grey, flip bool) {
	// pigo's flipV negates the column codes (as int8, as pigo does) and the
	// column votes.
	var neg int8 = 1
	sign := float32(1)
	if flip {
		neg, sign = -1, -1
	}
	n := len(rs)
	leaves := 1 << c.depth
	nodes := 4*leaves - 4
	var dr, dc [locPerturbs]float32
	var si, r256, c256 [locPerturbs]int
	var inside [locPerturbs]bool
	root := 0
	for i := 0; i < c.stages; i++ {
		for k := 0; k < n; k++ {
			dr[k], dc[k] = 0, 0
			si[k] = int(math.Round(float64(ss[k])))
			r256[k] = 256 * int(rs[k])
			c256[k] = 256 * int(cs[k])
			// A code moves at most 128/256 of the scale: when every point the
			// trees can reach lies in the image, no coordinate needs clamping.
			reach := si[k]/2 + 1
			row, col := int(rs[k]), int(cs[k])
			inside[k] = row-reach >= 0 && row+reach < img.h && col-reach >= 0 && col+reach < img.w
		}
		for j := 0; j < c.trees; j++ {
			codes := c.codes[root : root+nodes]
			preds := c.preds[2*(c.trees*leaves*i+leaves*j) : 2*(c.trees*leaves*i+leaves*j+leaves)]
			k := 0
			// Four runs walked side by side: each run's walk is a chain of
			// dependent loads (the next node depends on the last comparison),
			// and four chains keep the processor busy where one waits.
			for ; k+4 <= n; k += 4 {
				if !(inside[k] && inside[k+1] && inside[k+2] && inside[k+3]) {
					break
				}
				var at, sc [4]int
				for q := range 4 {
					at[q] = (r256[k+q]>>8)*img.w + c256[k+q]>>8
					sc[q] = si[k+q]
				}
				idx := walk4(codes, c.depth, at, sc, neg, img)
				for q := range 4 {
					lut := 2 * (idx[q] - (leaves - 1))
					dr[k+q] += preds[lut]
					dc[k+q] += sign * preds[lut+1]
				}
			}
			for ; k < n; k++ {
				idx := 0
				s, r0, c0 := si[k], r256[k], c256[k]
				if inside[k] {
					// (256·row + v) >> 8 is row + v >> 8: the clamped walk below
					// without the clamps.
					at := (r0>>8)*img.w + c0>>8
					for d := 0; d < c.depth; d++ {
						code := codes[4*idx : 4*idx+4 : 4*idx+4]
						p1 := at + ((int(code[0])*s)>>8)*img.w + (int(neg*code[1])*s)>>8
						p2 := at + ((int(code[2])*s)>>8)*img.w + (int(neg*code[3])*s)>>8
						idx = 2*idx + 1 - (int(img.pix[p2])-int(img.pix[p1]))>>63
					}
				} else {
					for d := 0; d < c.depth; d++ {
						code := codes[4*idx : 4*idx+4 : 4*idx+4]
						r1 := min(img.h-1, max(0, (r0+int(code[0])*s)>>8))
						r2 := min(img.h-1, max(0, (r0+int(code[2])*s)>>8))
						x1 := min(img.w-1, max(0, (c0+int(neg*code[1])*s)>>8))
						x2 := min(img.w-1, max(0, (c0+int(neg*code[3])*s)>>8))
						// idx·2 + 1, +1 more when the first pixel is the brighter,
						// without a branch to mispredict.
						idx = 2*idx + 1 - (int(img.pix[r2*img.w+x2])-int(img.pix[r1*img.w+x1]))>>63
					}
				}
				lut := 2 * (idx - (leaves - 1))
				dr[k] += preds[lut]
				dc[k] += sign * preds[lut+1]
			}
			root += nodes
		}
		for k := 0; k < n; k++ {
			rs[k] += dr[k] * ss[k]
			cs[k] += dc[k] * ss[k]
			ss[k] *= c.scale
		}
	}
}

// walk4 is classifyAll's unclamped walk of one tree for four runs at once, the
// runs centred at pixel indices at with scales sc: the same nodes and
// comparisons as four walks one after another.
func walk4(codes []int8, depth int, at, sc [4]int, neg int8, img grey) [4]int {
	var idx [4]int
	w, pix := img.w, img.pix
	for d := 0; d < depth; d++ {
		c0 := codes[4*idx[0] : 4*idx[0]+4 : 4*idx[0]+4]
		c1 := codes[4*idx[1] : 4*idx[1]+4 : 4*idx[1]+4]
		c2 := codes[4*idx[2] : 4*idx[2]+4 : 4*idx[2]+4]
		c3 := codes[4*idx[3] : 4*idx[3]+4 : 4*idx[3]+4]
		a0 := int(pix[at[0]+((int(c0[0])*sc[0])>>8)*w+(int(neg*c0[1])*sc[0])>>8])
		b0 := int(pix[at[0]+((int(c0[2])*sc[0])>>8)*w+(int(neg*c0[3])*sc[0])>>8])
		a1 := int(pix[at[1]+((int(c1[0])*sc[1])>>8)*w+(int(neg*c1[1])*sc[1])>>8])
		b1 := int(pix[at[1]+((int(c1[2])*sc[1])>>8)*w+(int(neg*c1[3])*sc[1])>>8])
		a2 := int(pix[at[2]+((int(c2[0])*sc[2])>>8)*w+(int(neg*c2[1])*sc[2])>>8])
		b2 := int(pix[at[2]+((int(c2[2])*sc[2])>>8)*w+(int(neg*c2[3])*sc[2])>>8])
		a3 := int(pix[at[3]+((int(c3[0])*sc[3])>>8)*w+(int(neg*c3[1])*sc[3])>>8])
		b3 := int(pix[at[3]+((int(c3[2])*sc[3])>>8)*w+(int(neg*c3[3])*sc[3])>>8])
		idx[0] = 2*idx[0] + 1 - (b0-a0)>>63
		idx[1] = 2*idx[1] + 1 - (b1-a1)>>63
		idx[2] = 2*idx[2] + 1 - (b2-a2)>>63
		idx[3] = 2*idx[3] + 1 - (b3-a3)>>63
	}
	return idx
}
