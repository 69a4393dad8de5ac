package photo

import (
	"encoding/binary"
	"fmt"
	"math"

	pigo "github.com/esimov/pigo/core"
)

// faceCascade is pigo's face detector (v1.4.6's Unpack, RunCascade,
// classifyRegion and classifyRotatedRegion), run here with the same arithmetic in
// the same order, so it finds exactly what pigo finds
// (TestFaceCascadeIsPigo), at less cost per window: the rotation tables are
// built once instead of per window, the first trees' node offsets are computed
// once per window size (scaleOffsets), and a row's upright windows walk the trees
// four at a time (vote). Clustering is pigo's own.
type faceCascade struct {
	depth     int // tree depth
	leaves    int // 2^depth
	trees     int
	codes     []int8 // per tree 4·leaves: four zeros, then the nodes from index 1
	preds     []float32
	threshold []float32
	pigo      *pigo.Pigo // for ClusterDetections, which needs no cascade
}

func unpackFace(b []byte) (*faceCascade, error) {
	if len(b) < 16 {
		return nil, fmt.Errorf("face cascade too short")
	}
	le := binary.LittleEndian
	c := &faceCascade{depth: int(le.Uint32(b[8:])), trees: int(le.Uint32(b[12:]))}
	if c.depth <= 0 || c.depth > 16 || c.trees <= 0 {
		return nil, fmt.Errorf("face cascade header out of range")
	}
	c.leaves = 1 << c.depth
	per := 4*c.leaves - 4 + 4*c.leaves + 4
	if len(b)-16 != c.trees*per {
		return nil, fmt.Errorf("face cascade size %d does not match its header", len(b))
	}
	pos := 16
	for t := 0; t < c.trees; t++ {
		c.codes = append(c.codes, 0, 0, 0, 0)
		for _, v := range b[pos : pos+4*c.leaves-4] {
			c.codes = append(c.codes, int8(v))
		}
		pos += 4*c.leaves - 4
		for i := 0; i < c.leaves; i++ {
			c.preds = append(c.preds, math.Float32frombits(le.Uint32(b[pos:])))
			pos += 4
		}
		c.threshold = append(c.threshold, math.Float32frombits(le.Uint32(b[pos:])))
		pos += 4
	}
	c.pigo = pigo.NewPigo() // its ClusterDetections reads no cascade
	return c, nil
}

// ClusterDetections is pigo's.
func (c *faceCascade) ClusterDetections(dets []pigo.Detection, iou float64) []pigo.Detection {
	return c.pigo.ClusterDetections(dets, iou)
}

// pigo's rotation tables: 256·cos and 256·sin of k/32 of a turn.
var (
	qCos = [33]int{256, 251, 236, 212, 181, 142, 97, 49, 0, -49, -97, -142, -181, -212, -236, -251, -256, -251, -236, -212, -181, -142, -97, -49, 0, 49, 97, 142, 181, 212, 236, 251, 256}
	qSin = [33]int{0, 49, 97, 142, 181, 212, 236, 251, 256, 251, 236, 212, 181, 142, 97, 49, 0, -49, -97, -142, -181, -212, -236, -251, -256, -251, -236, -212, -181, -142, -97, -49, 0}
)

// RunCascade is pigo's RunCascade: every window from MinSize to MaxSize (each
// scale ×ScaleFactor, at least +2), shifted by ShiftFactor of its size, in pigo's
// order; angle > 0 turns the windows by that fraction of a full turn.
func (c *faceCascade) RunCascade(cp pigo.CascadeParams, angle float64) []pigo.Detection {
	var dets []pigo.Detection
	angle = min(angle, 1)
	offs := new(scaleOffsets)
	var cands []candidate
	for scale := cp.MinSize; scale <= cp.MaxSize; scale = int(float64(scale) + math.Max(2, float64(scale)*cp.ScaleFactor-float64(scale))) {
		step := int(math.Max(cp.ShiftFactor*float64(scale), 1))
		offset := scale/2 + 1
		if angle > 0 {
			offs.resetRotated(c, scale, cp.Dim, angle)
		} else {
			offs.reset(c, scale, cp.Dim)
		}
		for row := offset; row <= cp.Rows-offset; row += step {
			if angle > 0 {
				for col := offset; col <= cp.Cols-offset; col += step {
					if q := c.classifyRotatedAt(row, col, offs, angle, cp.Rows, cp.Pixels); q > 0 {
						dets = append(dets, pigo.Detection{Row: row, Col: col, Scale: scale, Q: q})
					}
				}
				continue
			}
			// A row's windows go through the trees together, tree by tree, four
			// at a time: a walk is a chain of dependent loads (each node depends
			// on the last comparison), and four chains overlap where one waits.
			// Each window adds the same votes in the same order as pigo's
			// classifyRegion, and leaves at the same tree.
			cands = cands[:0]
			for col := offset; col <= cp.Cols-offset; col += step {
				cands = append(cands, candidate{col: col, at: row*cp.Dim + col})
			}
			for i := 0; i < c.trees && len(cands) > 0; i++ {
				c.vote(i, cands, row, offs, cp.Pixels)
				kept := cands[:0]
				for _, w := range cands {
					if w.out > c.threshold[i] {
						kept = append(kept, w)
					}
				}
				cands = kept
			}
			for _, w := range cands {
				dets = append(dets, pigo.Detection{Row: row, Col: w.col, Scale: scale, Q: w.out - c.threshold[c.trees-1]})
			}
		}
	}
	return dets
}

// scaleOffsets holds, for one window size, the first trees' node offsets from
// the window centre: pigo computes ((256·row + code·s) >> 8)·dim + (256·col +
// code'·s) >> 8 per node and window, which is exactly (row·dim + col) plus
// ((code·s) >> 8)·dim + (code'·s) >> 8, the same for every window of the size.
// Most windows are refused by the first few trees; the few that go deeper (about
// 1 in 40 past tree 8) compute their offsets as pigo does rather than pay for a
// table of all 468 trees at every size.
type scaleOffsets struct {
	s, dim int
	offs   []int32 // per tree 2·leaves: two unused, then the nodes from index 1
	reach  int     // turned windows: the farthest row or column a table node reads from the centre
}

// offsetTrees is how many trees get a table.
const offsetTrees = 8

func (o *scaleOffsets) reset(c *faceCascade, s, dim int) {
	o.s, o.dim = s, dim
	if n := offsetTrees * 2 * c.leaves; len(o.offs) < n {
		o.offs = make([]int32, n)
	}
	for t := 0; t < min(offsetTrees, c.trees); t++ {
		codes := c.codes[4*c.leaves*t : 4*c.leaves*(t+1)]
		offs := o.offs[2*c.leaves*t : 2*c.leaves*(t+1)]
		for idx := 1; idx < c.leaves; idx++ {
			code := codes[4*idx : 4*idx+4]
			offs[2*idx] = int32(((int(code[0])*s)>>8)*dim + (int(code[1])*s)>>8)
			offs[2*idx+1] = int32(((int(code[2])*s)>>8)*dim + (int(code[3])*s)>>8)
		}
	}
}

// resetRotated is reset for windows turned by angle (classifyRotated): pigo
// computes each node's row as ((65536·row + qcos·a − qsin·b) >> 16), which is
// exactly row + ((qcos·a − qsin·b) >> 16), and likewise the column, so a turned
// window's node offsets are the same for every window of the size too. They are
// used only where no node of the table reads outside the rows (which pigo clamps
// rows and columns to): there the clamps change nothing.
func (o *scaleOffsets) resetRotated(c *faceCascade, s, dim int, angle float64) {
	o.s, o.dim, o.reach = s, dim, 0
	if n := offsetTrees * 2 * c.leaves; len(o.offs) < n {
		o.offs = make([]int32, n)
	}
	qsin := s * qSin[int(32.0*angle)]
	qcos := s * qCos[int(32.0*angle)]
	for t := 0; t < min(offsetTrees, c.trees); t++ {
		codes := c.codes[4*c.leaves*t : 4*c.leaves*(t+1)]
		offs := o.offs[2*c.leaves*t : 2*c.leaves*(t+1)]
		for idx := 1; idx < c.leaves; idx++ {
			code := codes[4*idx : 4*idx+4]
			for k := 0; k < 2; k++ {
				a0, a1 := int(code[2*k]), int(code[2*k+1])
				dr := (qcos*a0 - qsin*a1) >> 16
				dc := (qsin*a0 + qcos*a1) >> 16
				o.reach = max(o.reach, abs(dr), abs(dc))
				offs[2*idx+k] = int32(dr*dim + dc)
			}
		}
	}
}

// classifyRotatedAt is classifyRotated of the window at (row, col), reading the
// first trees' nodes from o (resetRotated) when none of them can reach past the
// rows, and the rest as classifyRotated does.
func (c *faceCascade) classifyRotatedAt(row, col int, o *scaleOffsets, angle float64, nrows int, pix []uint8) float32 {
	if row-o.reach < 0 || row+o.reach > nrows-1 || col-o.reach < 0 || col+o.reach > nrows-1 {
		return c.classifyRotated(row, col, o.s, angle, nrows, pix, o.dim)
	}
	at := row*o.dim + col
	var out float32
	i := 0
	for ; i < min(offsetTrees, c.trees); i++ {
		offs := o.offs[2*c.leaves*i : 2*c.leaves*(i+1)]
		idx := 1
		for j := 0; j < c.depth; j++ {
			off := offs[2*idx : 2*idx+2 : 2*idx+2]
			idx = 2*idx + 1 + (int(pix[at+int(off[1])])-int(pix[at+int(off[0])]))>>63
		}
		out += c.preds[c.leaves*i+idx-c.leaves]
		if out <= c.threshold[i] {
			return -1
		}
	}
	return c.classifyRotatedFrom(i, out, row, col, o.s, angle, nrows, pix, o.dim)
}

// candidate is a window of RunCascade's row still in the cascade: its column,
// pixel index and the sum of its votes so far.
type candidate struct {
	col, at int
	out     float32
}

// vote adds tree i's vote to each window of ws (all of row row), four at a time.
func (c *faceCascade) vote(i int, ws []candidate, row int, o *scaleOffsets, pix []uint8) {
	p := c.preds[c.leaves*i : c.leaves*(i+1)]
	if i < offsetTrees {
		offs := o.offs[2*c.leaves*i : 2*c.leaves*(i+1)]
		k := 0
		for ; k+4 <= len(ws); k += 4 {
			w := ws[k : k+4 : k+4]
			i0, i1, i2, i3 := 1, 1, 1, 1
			for j := 0; j < c.depth; j++ {
				f0 := offs[2*i0 : 2*i0+2 : 2*i0+2]
				f1 := offs[2*i1 : 2*i1+2 : 2*i1+2]
				f2 := offs[2*i2 : 2*i2+2 : 2*i2+2]
				f3 := offs[2*i3 : 2*i3+2 : 2*i3+2]
				i0 = 2*i0 + 1 + (int(pix[w[0].at+int(f0[1])])-int(pix[w[0].at+int(f0[0])]))>>63
				i1 = 2*i1 + 1 + (int(pix[w[1].at+int(f1[1])])-int(pix[w[1].at+int(f1[0])]))>>63
				i2 = 2*i2 + 1 + (int(pix[w[2].at+int(f2[1])])-int(pix[w[2].at+int(f2[0])]))>>63
				i3 = 2*i3 + 1 + (int(pix[w[3].at+int(f3[1])])-int(pix[w[3].at+int(f3[0])]))>>63
			}
			w[0].out += p[i0-c.leaves]
			w[1].out += p[i1-c.leaves]
			w[2].out += p[i2-c.leaves]
			w[3].out += p[i3-c.leaves]
		}
		for ; k < len(ws); k++ {
			idx := 1
			for j := 0; j < c.depth; j++ {
				f := offs[2*idx : 2*idx+2 : 2*idx+2]
				idx = 2*idx + 1 + (int(pix[ws[k].at+int(f[1])])-int(pix[ws[k].at+int(f[0])]))>>63
			}
			ws[k].out += p[idx-c.leaves]
		}
		return
	}
	// Past the tables: the offsets as pigo computes them.
	codes := c.codes[4*c.leaves*i : 4*c.leaves*(i+1)]
	r, s, dim := row*256, o.s, o.dim
	node := func(idx, col int) int {
		code := codes[4*idx : 4*idx+4 : 4*idx+4]
		cl := col * 256
		x1 := ((r+int(code[0])*s)>>8)*dim + (cl+int(code[1])*s)>>8
		x2 := ((r+int(code[2])*s)>>8)*dim + (cl+int(code[3])*s)>>8
		return 2*idx + 1 + (int(pix[x2])-int(pix[x1]))>>63
	}
	k := 0
	for ; k+4 <= len(ws); k += 4 {
		w := ws[k : k+4 : k+4]
		i0, i1, i2, i3 := 1, 1, 1, 1
		for j := 0; j < c.depth; j++ {
			i0, i1, i2, i3 = node(i0, w[0].col), node(i1, w[1].col), node(i2, w[2].col), node(i3, w[3].col)
		}
		w[0].out += p[i0-c.leaves]
		w[1].out += p[i1-c.leaves]
		w[2].out += p[i2-c.leaves]
		w[3].out += p[i3-c.leaves]
	}
	for ; k < len(ws); k++ {
		idx := 1
		for j := 0; j < c.depth; j++ {
			idx = node(idx, ws[k].col)
		}
		ws[k].out += p[idx-c.leaves]
	}
}

// classifyRotated is pigo's classifyRotatedRegion (which clamps the columns to
// the row count too).
func (c *faceCascade) classifyRotated(r, col, s int, a float64, nrows int, pix []uint8, dim int) float32 {
	return c.classifyRotatedFrom(0, 0, r, col, s, a, nrows, pix, dim)
}

// classifyRotatedFrom is classifyRotated from tree first on, with out the sum of
// the trees before it.
func (c *faceCascade) classifyRotatedFrom(first int, out float32, r, col, s int, a float64, nrows int, pix []uint8, dim int) float32 {
	qsin := s * qSin[int(32.0*a)]
	qcos := s * qCos[int(32.0*a)]
	r0, c0 := 65536*r, 65536*col
	clamp := func(v int) int { return abs(min(nrows-1, max(0, v)>>16)) }
	root := 4 * c.leaves * first
	for i := first; i < c.trees; i++ {
		codes := c.codes[root : root+4*c.leaves]
		idx := 1
		for j := 0; j < c.depth; j++ {
			code := codes[4*idx : 4*idx+4 : 4*idx+4]
			a0, a1, a2, a3 := int(code[0]), int(code[1]), int(code[2]), int(code[3])
			r1 := clamp(r0 + qcos*a0 - qsin*a1)
			c1 := clamp(c0 + qsin*a0 + qcos*a1)
			r2 := clamp(r0 + qcos*a2 - qsin*a3)
			c2 := clamp(c0 + qsin*a2 + qcos*a3)
			idx = 2*idx + 1 + (int(pix[r2*dim+c2])-int(pix[r1*dim+c1]))>>63
		}
		out += c.preds[c.leaves*i+idx-c.leaves]
		if out <= c.threshold[i] {
			return -1
		}
		root += 4 * c.leaves
	}
	return out - c.threshold[c.trees-1]
}
