package photo

import (
	"embed"
	"fmt"
	"math"
	"sort"

	pigo "github.com/esimov/pigo/core"
)

//go:embed cascade/facefinder cascade/puploc cascade/lps/lp93 cascade/lps/lp84 cascade/lps/lp82 cascade/lps/lp81
var cascadeFS embed.FS

// detector holds the unpacked pigo cascades; they are read-only after unpacking, so
// one detector serves every goroutine.
type detector struct {
	face   *pigo.Pigo
	pupil  *pigo.PuplocCascade
	nose   *pigo.PuplocCascade // lp93
	corner *pigo.PuplocCascade // lp84, mirrored for the other corner
	upper  *pigo.PuplocCascade // lp82
	lower  *pigo.PuplocCascade // lp81
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
	}{{&d.pupil, "puploc"}, {&d.nose, "lps/lp93"}, {&d.corner, "lps/lp84"}, {&d.upper, "lps/lp82"}, {&d.lower, "lps/lp81"}} {
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

// perturbs is pigo's maximum (its internal buffers hold 63); more samples make
// the median landmark steadier.
const perturbs = 63

// faces runs the detector and returns clusters with a score of at least minScore,
// best first; detections centred inside a better one are dropped (pigo sometimes
// fires on a part of the same face at a smaller scale).
func (d *detector) faces(r *raster, minScore float64) []face {
	minDim := min(r.w, r.h)
	params := pigo.CascadeParams{
		MinSize:     max(20, minDim/10),
		MaxSize:     minDim,
		ShiftFactor: 0.1,
		ScaleFactor: 1.1,
		ImageParams: pigo.ImageParams{Pixels: r.grey, Rows: r.h, Cols: r.w, Dim: r.w},
	}
	if params.MinSize > params.MaxSize {
		return nil
	}
	dets := d.face.RunCascade(params, 0)
	dets = d.face.ClusterDetections(dets, 0.2)
	out := make([]face, 0, len(dets))
	for _, c := range dets {
		if float64(c.Q) >= minScore {
			out = append(out, face{row: float64(c.Row), col: float64(c.Col), size: float64(c.Scale), score: float64(c.Q)})
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
			Perturbs: perturbs,
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
		p := c.GetLandmarkPoint(le, re, img, perturbs, flip)
		if p.Row <= 0 || p.Col <= 0 {
			return pt{}, false
		}
		return pt{float64(p.Col), float64(p.Row)}, true
	}
	lm.nose, lm.noseOK = point(d.nose, false)
	var ok1, ok2, ok3, ok4 bool
	lm.upperLip, ok1 = point(d.upper, false)
	lm.lower, ok2 = point(d.lower, false)
	lm.cornerL, ok3 = point(d.corner, false)
	lm.cornerR, ok4 = point(d.corner, true)
	lm.mouthOK = ok1 && ok2 && ok3 && ok4
	return lm
}
