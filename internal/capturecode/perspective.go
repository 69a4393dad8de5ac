package capturecode

import (
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

// refineCandidates is how many of the best-scoring transforms are decoded.
const refineCandidates = 3

// refineDecode tries to read the code whose finder patterns are info in the binarised
// image m, searching the perspective; ok is false when nothing decodes.
func refineDecode(m *gozxing.BitMatrix, info *detector.FinderPatternInfo, hints map[gozxing.DecodeHintType]any) (string, bool) {
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
		dim    int
		x, y   float64
		score  float64
		bottom bool
	}
	var best []cand
	for _, dim := range []int{base, base - 4, base + 4} {
		if dim < 21 || dim > 177 {
			continue
		}
		checks := functionModules(dim)
		if checks == nil {
			continue
		}
		// The parallelogram guess of the point at module (dim-6.5, dim-6.5), and a
		// search window around it a quarter of the code wide, coarse then fine.
		k := (float64(dim) - 10) / (float64(dim) - 7)
		gx := tl.GetX() + k*(tr.GetX()-tl.GetX()) + k*(bl.GetX()-tl.GetX())
		gy := tl.GetY() + k*(tr.GetY()-tl.GetY()) + k*(bl.GetY()-tl.GetY())
		radius := 0.3 * math.Max(dTop, dLeft)
		step := math.Max(ms/2, radius/16)
		top := cand{score: -1}
		for oy := -radius; oy <= radius; oy += step {
			for ox := -radius; ox <= radius; ox += step {
				if s := scoreTransform(m, tl, tr, bl, gx+ox, gy+oy, dim, checks); s > top.score {
					top = cand{dim: dim, x: gx + ox, y: gy + oy, score: s}
				}
			}
		}
		fine := step / 4
		cx, cy := top.x, top.y
		for oy := -2 * fine; oy <= 2*fine; oy += fine / 2 {
			for ox := -2 * fine; ox <= 2*fine; ox += fine / 2 {
				if s := scoreTransform(m, tl, tr, bl, cx+ox, cy+oy, dim, checks); s > top.score {
					top = cand{dim: dim, x: cx + ox, y: cy + oy, score: s}
				}
			}
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
		bits, err := detector.Detector_sampleGrid(m, t, c.dim)
		if err != nil {
			continue
		}
		res, err := dec.Decode(bits, hints)
		if err == nil {
			return res.GetText(), true
		}
	}
	return "", false
}

// moduleCheck is one module whose colour every QR code of a size has.
type moduleCheck struct {
	x, y float64 // centre, in module coordinates
	dark bool
}

// functionModules lists the timing patterns and the alignment patterns (centre,
// ring, and the light ring between) of a dim×dim code, or nil for an invalid size.
func functionModules(dim int) []moduleCheck {
	v, err := qrdecoder.Version_GetProvisionalVersionForDimension(dim)
	if err != nil {
		return nil
	}
	var out []moduleCheck
	for i := 8; i < dim-8; i++ {
		out = append(out,
			moduleCheck{float64(i) + 0.5, 6.5, i%2 == 0},
			moduleCheck{6.5, float64(i) + 0.5, i%2 == 0})
	}
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
	return out
}

// scoreTransform is the share of checks that the image shows when the module at
// (dim-6.5, dim-6.5) lies at (x, y).
func scoreTransform(m *gozxing.BitMatrix, tl, tr, bl gozxing.ResultPoint, x, y float64, dim int, checks []moduleCheck) float64 {
	d := float64(dim) - 3.5
	t := common.PerspectiveTransform_QuadrilateralToQuadrilateral(
		3.5, 3.5, d, 3.5, d-3, d-3, 3.5, d,
		tl.GetX(), tl.GetY(), tr.GetX(), tr.GetY(), x, y, bl.GetX(), bl.GetY())
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
