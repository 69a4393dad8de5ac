package photo

import (
	"embed"
	"fmt"
	"math"
	"sort"

	pigo "github.com/esimov/pigo/core"
)

//go:embed cascade/facefinder cascade/puploc cascade/lps/lp93 cascade/lps/lp82 cascade/lps/lp81 cascade/lps/lp38 cascade/lps/lp312
var cascadeFS embed.FS

// detector holds the unpacked pigo cascades; they are read-only after unpacking, so
// one detector serves every goroutine.
type detector struct {
	face  *faceCascade
	pupil *locCascade
	nose  *locCascade // lp93
	upper *locCascade // lp81, upper lip centre
	lower *locCascade // lp82, lower lip centre
	inner *locCascade // lp38, inner corner of the eye on the image's left (flipped: right)
	outer *locCascade // lp312, outer corner of the eye on the image's left (flipped: right)
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
	if d.face, err = unpackFace(ff); err != nil {
		return nil, fmt.Errorf("unpack facefinder: %w", err)
	}
	unpack := func(name string) (*locCascade, error) {
		b, err := read(name)
		if err != nil {
			return nil, err
		}
		c, err := unpackLoc(b)
		if err != nil {
			return nil, fmt.Errorf("unpack %s: %w", name, err)
		}
		return c, nil
	}
	for _, x := range []struct {
		dst  **locCascade
		name string
	}{{&d.pupil, "puploc"}, {&d.nose, "lps/lp93"}, {&d.upper, "lps/lp81"}, {&d.lower, "lps/lp82"}, {&d.inner, "lps/lp38"}, {&d.outer, "lps/lp312"}} {
		if *x.dst, err = unpack(x.name); err != nil {
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

// faces runs the detector and returns clusters with a score of at least
// weakShare·minScore (weak ones included: see sideBySide), best first;
// detections centred inside a better one are dropped (pigo sometimes fires on a
// part of the same face at a smaller scale).
func (d *detector) faces(r *raster, minScore float64) []face {
	// A face smaller than 1/8 of the short side is not looked for at first: the
	// smallest windows cost the most. locate looks again when the subject is small.
	return d.facesFrom(r, minScore, max(20, min(r.hw, r.hh)/8), true)
}

// facesFrom is faces with windows from minSize (half-raster pixels) up; fallback
// says whether to search the fine grid when the coarse one finds no face (not
// when the subject is known already: its cost grows fast below the usual
// smallest window).
func (d *detector) facesFrom(r *raster, minScore float64, minSize int, fallback bool) []face {
	floor := weakShare * minScore
	minDim := min(r.hw, r.hh)
	params := pigo.CascadeParams{
		MinSize:     minSize,
		MaxSize:     minDim,
		ShiftFactor: 0.15,
		ScaleFactor: 1.1,
		ImageParams: pigo.ImageParams{Pixels: r.half, Rows: r.hh, Cols: r.hw, Dim: r.hw},
	}
	if params.MinSize > params.MaxSize {
		return nil
	}
	dets := d.face.ClusterDetections(d.face.RunCascade(params, 0), 0.2)
	if fallback && !anyAtLeast(dets, minScore) {
		// pigo's score for a face is the sum over the windows of its grid that
		// fire on it, and which windows those are depends on where the face
		// falls between the grid's steps and sizes: cropping a photo by a pixel
		// or two took a clear face from 20 to 2, or to nothing (measured on the
		// calibration photos). Before saying there is no face, look again on a
		// grid twice as fine in position and size, whose sums, divided by its
		// density, are on the coarse grid's scale.
		fine := params
		fine.ShiftFactor, fine.ScaleFactor = fineShift, fineScale
		dets = d.face.ClusterDetections(d.face.RunCascade(fine, 0), 0.2)
		for i := range dets {
			dets[i].Q /= fineDensity
		}
	}
	out := make([]face, 0, len(dets))
	for _, c := range dets {
		if float64(c.Q) >= floor {
			k := float64(r.halfFactor)
			out = append(out, face{row: float64(c.Row) * k, col: float64(c.Col) * k, size: float64(c.Scale) * k, score: float64(c.Q)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].score > out[j].score })
	kept := out[:0]
	for _, f := range out {
		inside := false
		for _, k := range kept {
			// Either centre inside the other's square: the same head at another
			// scale, not a second person.
			r := max(k.size, f.size) / 2
			if math.Abs(f.col-k.col) < r && math.Abs(f.row-k.row) < r {
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

// The fine grid for a photo in which the coarse one finds no face: half the step
// in position (7.5 % of the window) and in size (×1.05), so about fineDensity
// times as many windows fire on a face.
const (
	fineShift   = 0.075
	fineScale   = 1.05
	fineDensity = 8
)

// weakShare of the face score floor is what a face beside the subject needs to
// count (sideBySide).
const weakShare = 0.2

func anyAtLeast(dets []pigo.Detection, minScore float64) bool {
	for _, c := range dets {
		if float64(c.Q) >= minScore {
			return true
		}
	}
	return false
}

// landmarks localises the pupils, the nose and the lips of f, each the median of
// fixed perturbations (loc.go), so the same pixels give the same landmarks.
// quick (for choosing the crop) uses half the perturbations and skips the nose.
func (d *detector) landmarks(r *raster, f face, quick bool) landmarks {
	img := grey{pix: r.grey, w: r.w, h: r.h}
	n := locPerturbs
	if quick {
		n = locPerturbs / 2
	}
	var lm landmarks
	eye := func(dir float64) (pt, bool) {
		y, x := d.pupil.locate(f.row-0.085*f.size, f.col+dir*0.185*f.size, f.size*0.4, img, n)
		return pt{x, y}, y > 0 && x > 0 && y < float64(r.h) && x < float64(r.w)
	}
	le, okL := eye(-1)
	re, okR := eye(+1)
	if !okL || !okR {
		return lm
	}
	lm.left, lm.right, lm.pupilsOK = le, re, true
	if lm.left.x > lm.right.x {
		lm.left, lm.right = lm.right, lm.left
	}
	// pigo's GetLandmarkPoint start: below the pupil midpoint by a quarter of
	// their distance, at three times that distance as scale (what lps was trained on).
	dist := math.Hypot(le.x-re.x, le.y-re.y)
	point := func(c *locCascade) (pt, bool) {
		y, x := c.locate((le.y+re.y)/2+0.25*dist, (le.x+re.x)/2+0.15*dist, 3*dist, img, n)
		return pt{x, y}, y > 0 && x > 0 && y < float64(r.h) && x < float64(r.w)
	}
	if !quick {
		lm.nose, lm.noseOK = point(d.nose)
	}
	var ok1, ok2 bool
	lm.upperLip, ok1 = point(d.upper)
	lm.lower, ok2 = point(d.lower)
	lm.mouthOK = ok1 && ok2
	return lm
}
