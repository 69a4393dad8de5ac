package capturecode

import (
	"image"
	"math"
	"sort"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/common"
	qrdecoder "github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
)

// Perspective refinement. gozxing maps the code from its three finder patterns and
// one more point: the alignment pattern it finds near where a parallelogram puts it,
// or the parallelogram's corner itself. On a screen photographed at 45–60° the code
// is a strong trapezoid, that guess is several modules off, and the alignment search
// then locks onto some other 1:1:1 shape — the sampled grid is garbage and the read
// fails although all three finders were found. refineDecode searches the fourth point
// instead: every candidate transform is scored by how well the sampled grid shows the
// patterns every QR code has (timing patterns, alignment patterns), and only the best
// few candidates are decoded, so the search costs a few thousand samples, not
// thousands of decodes. A wrong candidate cannot produce a false read: the decoder
// still checks the format information and the Reed–Solomon code words.

// What the search costs in units of effort: one module checked while scoring a
// transform, and one module of a grid sampled and decoded.
const (
	costScoreCheck = 3
	costGridRead   = 4
)

// refineCandidates is how many of the best-scoring transforms are decoded.
const refineCandidates = 3

// refineDecode tries to read the code whose finder patterns are info in the binarised
// image m, searching the perspective; ok is false when nothing decodes.
func refineDecode(e *effort, g *image.Gray, m *gozxing.BitMatrix, info *detector.FinderPatternInfo, hints map[gozxing.DecodeHintType]any) (string, bool) {
	tl, tr, bl := info.GetTopLeft(), info.GetTopRight(), info.GetBottomLeft()
	ms := (tl.GetEstimatedModuleSize() + tr.GetEstimatedModuleSize() + bl.GetEstimatedModuleSize()) / 3
	if ms < 1 {
		return "", false
	}
	// The finder patterns of one code have about the same size; three unrelated
	// squares of clutter usually do not (and a search on them is wasted time).
	for _, f := range []*detector.FinderPattern{tl, tr, bl} {
		if r := f.GetEstimatedModuleSize() / ms; r < 0.5 || r > 1.6 {
			return "", false
		}
	}
	dTop := gozxing.ResultPoint_Distance(tl, tr)
	dLeft := gozxing.ResultPoint_Distance(tl, bl)
	// Modules between finder centres, from each side; under perspective the module
	// size near the finders is not the code's average, so try the neighbouring versions.
	est := (dTop/tr.GetEstimatedModuleSize()+dTop/tl.GetEstimatedModuleSize())/4 +
		(dLeft/bl.GetEstimatedModuleSize()+dLeft/tl.GetEstimatedModuleSize())/4 + 7
	base := int(math.Round((est-17)/4))*4 + 17
	type cand struct {
		dim   int
		x, y  float64
		score float64
	}
	var best []cand
	for _, dim := range []int{base, base - 4, base + 4} {
		if dim < 21 || dim > 177 {
			continue
		}
		align, all := functionModules(dim)
		if len(align) == 0 {
			// Version 1 has no alignment pattern to search for: gozxing's guess stands.
			continue
		}
		// The parallelogram guess of the point at module (dim-6.5, dim-6.5), and a
		// search window around it, 0.3 of the code wide: coarse, on the alignment
		// patterns only (the timing patterns hardly move with this point), then fine.
		k := (float64(dim) - 10) / (float64(dim) - 7)
		gx := tl.GetX() + k*(tr.GetX()-tl.GetX()) + k*(bl.GetX()-tl.GetX())
		gy := tl.GetY() + k*(tr.GetY()-tl.GetY()) + k*(bl.GetY()-tl.GetY())
		radius := 0.3 * math.Max(dTop, dLeft)
		step := math.Max(ms/2, radius/20)
		// The three best coarse points (peaks of random data can beat the true one
		// by a little), each refined on all the fixed modules.
		var coarse [3]cand
		for oy := -radius; oy <= radius; oy += step {
			for ox := -radius; ox <= radius; ox += step {
				s := scoreTransform(e, m, tl, tr, bl, gx+ox, gy+oy, dim, align)
				for i := range coarse {
					if coarse[i].dim == 0 || s > coarse[i].score {
						copy(coarse[i+1:], coarse[i:len(coarse)-1])
						coarse[i] = cand{dim: dim, x: gx + ox, y: gy + oy, score: s}
						break
					}
				}
			}
		}
		top := cand{score: -1}
		for _, c := range coarse {
			if c.dim == 0 || c.score < 0.6 {
				continue
			}
			for oy := -step; oy <= step; oy += step / 4 {
				for ox := -step; ox <= step; ox += step / 4 {
					if s := scoreTransform(e, m, tl, tr, bl, c.x+ox, c.y+oy, dim, all); s > top.score {
						top = cand{dim: dim, x: c.x + ox, y: c.y + oy, score: s}
					}
				}
			}
		}
		if top.score < 0 {
			continue
		}
		best = append(best, top)
	}
	sort.SliceStable(best, func(i, j int) bool { return best[i].score > best[j].score })
	dec := qrdecoder.NewDecoder()
	for i, c := range best {
		// Below ~80 % of the fixed modules right, the grid is not a QR code's.
		if i >= refineCandidates || c.score < 0.8 {
			break
		}
		t := detector.Detector_createTransform(tl, tr, bl, detector.NewAlignmentPattern(c.x, c.y, ms), c.dim)
		e.add(costGridRead * int64(c.dim*c.dim))
		bits, err := detector.Detector_sampleGrid(m, t, c.dim)
		if err != nil {
			continue
		}
		res, err := dec.Decode(bits, hints)
		if err == nil {
			return res.GetText(), true
		}
		if text, ok := decodeErasures(e, g, m, t, c.dim, hints); ok {
			return text, true
		}
	}
	return "", false
}

// moduleCheck is one module whose colour every QR code of a size has.
type moduleCheck struct {
	x, y float64 // centre, in module coordinates
	dark bool
}

// functionModules lists the modules of the alignment patterns (centre, the light
// ring, the dark ring) of a dim×dim code, and those plus the timing patterns; both
// are empty for an invalid size.
func functionModules(dim int) (align, all []moduleCheck) {
	v, err := qrdecoder.Version_GetProvisionalVersionForDimension(dim)
	if err != nil {
		return nil, nil
	}
	var out []moduleCheck
	centres := v.GetAlignmentPatternCenters()
	for _, ay := range centres {
		for _, ax := range centres {
			// Skip the three that would overlap the finder patterns.
			if (ax < 9 && ay < 9) || (ax > dim-10 && ay < 9) || (ax < 9 && ay > dim-10) {
				continue
			}
			for dy := -2; dy <= 2; dy++ {
				for dx := -2; dx <= 2; dx++ {
					ring := max(abs(dx), abs(dy))
					out = append(out, moduleCheck{float64(ax+dx) + 0.5, float64(ay+dy) + 0.5, ring != 1})
				}
			}
		}
	}
	align = out
	all = append([]moduleCheck(nil), out...)
	for i := 8; i < dim-8; i++ {
		all = append(all,
			moduleCheck{float64(i) + 0.5, 6.5, i%2 == 0},
			moduleCheck{6.5, float64(i) + 0.5, i%2 == 0})
	}
	return align, all
}

// scoreTransform is the share of checks that the image shows when the module at
// (dim-6.5, dim-6.5) lies at (x, y).
func scoreTransform(e *effort, m *gozxing.BitMatrix, tl, tr, bl gozxing.ResultPoint, x, y float64, dim int, checks []moduleCheck) float64 {
	d := float64(dim) - 3.5
	t := common.PerspectiveTransform_QuadrilateralToQuadrilateral(
		3.5, 3.5, d, 3.5, d-3, d-3, 3.5, d,
		tl.GetX(), tl.GetY(), tr.GetX(), tr.GetY(), x, y, bl.GetX(), bl.GetY())
	e.add(costScoreCheck * int64(len(checks)))
	w, h := m.GetWidth(), m.GetHeight()
	pt := make([]float64, 2)
	hit := 0
	for _, c := range checks {
		pt[0], pt[1] = c.x, c.y
		t.TransformPoints(pt)
		px, py := int(pt[0]), int(pt[1])
		if px < 0 || py < 0 || px >= w || py >= h {
			continue
		}
		if m.Get(px, py) == c.dark {
			hit++
		}
	}
	return float64(hit) / float64(len(checks))
}

// maxTriples bounds how many other combinations of finder candidates are searched.
const maxTriples = 4

// refineTriples is for when gozxing found finder-pattern candidates but rejected
// every triple: under a steep diagonal view the three finders of one code differ in
// apparent size by more than its 1.4 limit. It searches the triples of the strongest
// candidates whose sizes agree within refineDecode's wider limit, most square first.
func refineTriples(e *effort, g *image.Gray, m *gozxing.BitMatrix, cands []*detector.FinderPattern, hints map[gozxing.DecodeHintType]any) (string, bool) {
	var strong []*detector.FinderPattern
	for _, c := range cands {
		if c.GetCount() >= 2 { // seen on at least two scan lines
			strong = append(strong, c)
		}
	}
	if len(strong) < 3 {
		return "", false
	}
	sort.SliceStable(strong, func(i, j int) bool { return strong[i].GetCount() > strong[j].GetCount() })
	strong = strong[:min(len(strong), 6)]
	type triple struct {
		a, b, c    *detector.FinderPattern
		distortion float64
	}
	var ts []triple
	for i := 0; i < len(strong); i++ {
		for j := i + 1; j < len(strong); j++ {
			for k := j + 1; k < len(strong); k++ {
				a, b, c := strong[i], strong[j], strong[k]
				lo := min(a.GetEstimatedModuleSize(), b.GetEstimatedModuleSize(), c.GetEstimatedModuleSize())
				hi := max(a.GetEstimatedModuleSize(), b.GetEstimatedModuleSize(), c.GetEstimatedModuleSize())
				if hi > 1.6*lo {
					continue
				}
				// Sides sorted: a right isosceles triangle has d0 = d1 and d2² = 2·d0².
				d := []float64{gozxing.ResultPoint_Distance(a, b), gozxing.ResultPoint_Distance(b, c), gozxing.ResultPoint_Distance(a, c)}
				sort.Float64s(d)
				// Finders of one code are 14+ modules apart.
				if d[0] < 10*hi {
					continue
				}
				dist := math.Abs(d[2]*d[2]-2*d[1]*d[1])/(d[2]*d[2]) + math.Abs(d[2]*d[2]-2*d[0]*d[0])/(d[2]*d[2])
				if dist > 1.8 { // 2 is equilateral: no longer a square seen at any angle
					continue
				}
				ts = append(ts, triple{a, b, c, dist})
			}
		}
	}
	sort.SliceStable(ts, func(i, j int) bool { return ts[i].distortion < ts[j].distortion })
	for i, t := range ts {
		if i >= maxTriples {
			break
		}
		p0, p1, p2 := gozxing.ResultPoint_OrderBestPatterns(t.a, t.b, t.c)
		info := detector.NewFinderPatternInfo(p0.(*detector.FinderPattern), p1.(*detector.FinderPattern), p2.(*detector.FinderPattern))
		if text, ok := refineDecode(e, g, m, info, hints); ok {
			return text, true
		}
	}
	return "", false
}
