package photo

import (
	"embed"
	"fmt"
	"math"
	"sort"

	pigo "github.com/esimov/pigo/core"
)

//go:embed cascade/facefinder cascade/puploc cascade/lps/lp93 cascade/lps/lp82 cascade/lps/lp81
var cascadeFS embed.FS

// detector holds the unpacked pigo cascades; they are read-only after unpacking, so
// one detector serves every goroutine.
type detector struct {
	face  *pigo.Pigo
	pupil *pigo.PuplocCascade
	nose  *pigo.PuplocCascade // lp93
	upper *pigo.PuplocCascade // lp81, upper lip centre
	lower *pigo.PuplocCascade // lp82, lower lip centre
}

func newDetector() (*detector, error) {
	read := func(name string) ([]byte, error) {
		b, err := cascadeFS.ReadFile("cascade/" + name)
		if err != nil {
			return nil, fmt.Errorf("read cascade %s: %w", name, err)
		}
		return b, nil
	}
	ff, err := read("facefinder")
	if err != nil {
		return nil, err
	}
	d := &detector{}
	if d.face, err = pigo.NewPigo().Unpack(ff); err != nil {
		return nil, fmt.Errorf("unpack facefinder: %w", err)
	}
	unpackLoc := func(name string) (*pigo.PuplocCascade, error) {
		b, err := read(name)
		if err != nil {
			return nil, err
		}
		c, err := pigo.NewPuplocCascade().UnpackCascade(b)
		if err != nil {
			return nil, fmt.Errorf("unpack %s: %w", name, err)
		}
		return c, nil
	}
	for _, x := range []struct {
		dst  **pigo.PuplocCascade
		name string
	}{{&d.pupil, "puploc"}, {&d.nose, "lps/lp93"}, {&d.upper, "lps/lp81"}, {&d.lower, "lps/lp82"}} {
		if *x.dst, err = unpackLoc(x.name); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// face is one detection in work-raster pixels.
type face struct {
	row, col, size float64
	score          float64
}

// landmarks are in work-raster pixels; ok flags say which were found.
type landmarks struct {
	left, right      pt // pupils: left = smaller x
	pupilsOK         bool
	nose             pt
	noseOK           bool
	upperLip, lower  pt
	cornerL, cornerR pt
	mouthOK          bool
}

type pt struct{ x, y float64 }

// Landmarks are the median of randomly perturbed runs. It must be exactly 63:
// pigo's pooled buffers hold 63 and it sorts all of them, so a smaller count
// mixes in stale values of an earlier call.
const (
	pupilPerturbs    = 63
	landmarkPerturbs = 63
)

// faces runs the detector and returns clusters with a score of at least minScore,
// best first; detections centred inside a better one are dropped (pigo sometimes
// fires on a part of the same face at a smaller scale).
func (d *detector) faces(r *raster, minScore float64) []face {
	minDim := min(r.hw, r.hh)
	params := pigo.CascadeParams{
		// A bystander's face smaller than 1/8 of the short side is not looked
		// for: the smallest windows cost the most and such a face is a poster.
		MinSize:     max(20, minDim/8),
		MaxSize:     minDim,
		ShiftFactor: 0.15,
		ScaleFactor: 1.1,
		ImageParams: pigo.ImageParams{Pixels: r.half, Rows: r.hh, Cols: r.hw, Dim: r.hw},
	}
	if params.MinSize > params.MaxSize {
		return nil
	}
	dets := d.face.RunCascade(params, 0)
	dets = d.face.ClusterDetections(dets, 0.2)
	out := make([]face, 0, len(dets))
	for _, c := range dets {
		if float64(c.Q) >= minScore {
			k := float64(r.halfFactor)
			out = append(out, face{row: float64(c.Row) * k, col: float64(c.Col) * k, size: float64(c.Scale) * k, score: float64(c.Q)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].score > out[j].score })
	kept := out[:0]
	for _, f := range out {
		inside := false
		for _, k := range kept {
			if math.Abs(f.col-k.col) < k.size/2 && math.Abs(f.row-k.row) < k.size/2 {
				inside = true
				break
			}
		}
		if !inside {
			kept = append(kept, f)
		}
	}
	return kept
}

// landmarks localises the pupils, the nose and the lips of f.
func (d *detector) landmarks(r *raster, f face) landmarks {
	img := pigo.ImageParams{Pixels: r.grey, Rows: r.h, Cols: r.w, Dim: r.w}
	var lm landmarks
	eye := func(dir float64) *pigo.Puploc {
		return d.pupil.RunDetector(pigo.Puploc{
			Row:      int(f.row - 0.085*f.size),
			Col:      int(f.col + dir*0.185*f.size),
			Scale:    float32(f.size * 0.4),
			Perturbs: pupilPerturbs,
		}, img, 0, false)
	}
	le, re := eye(-1), eye(+1)
	if le.Row <= 0 || le.Col <= 0 || re.Row <= 0 || re.Col <= 0 {
		return lm
	}
	lm.left = pt{float64(le.Col), float64(le.Row)}
	lm.right = pt{float64(re.Col), float64(re.Row)}
	lm.pupilsOK = true
	if lm.left.x > lm.right.x {
		lm.left, lm.right = lm.right, lm.left
	}
	point := func(c *pigo.PuplocCascade, flip bool) (pt, bool) {
		p := c.GetLandmarkPoint(le, re, img, landmarkPerturbs, flip)
		if p.Row <= 0 || p.Col <= 0 {
			return pt{}, false
		}
		return pt{float64(p.Col), float64(p.Row)}, true
	}
	lm.nose, lm.noseOK = point(d.nose, false)
	var ok1, ok2 bool
	lm.upperLip, ok1 = point(d.upper, false)
	lm.lower, ok2 = point(d.lower, false)
	lm.mouthOK = ok1 && ok2
	return lm
}
