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
// tree walk is pigo v1.4.6's classifyRegion, unchanged.
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
					c1, c2 = -c1, -c2
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
func (c *locCascade) locate(row, col, s float64, img grey, n int) (float64, float64) {
	var rows, cols [locPerturbs]float32
	for i, p := range perturbs[:n] {
		r := float32(row) + float32(s)*0.15*p[0]
		cc := float32(col) + float32(s)*0.15*p[1]
		sc := float32(s) * (0.925 + 0.15*p[2])
		rows[i], cols[i] = c.classify(r, cc, sc, img, false)
	}
	slices.Sort(rows[:n])
	slices.Sort(cols[:n])
	return float64(rows[n/2]), float64(cols[n/2])
}
