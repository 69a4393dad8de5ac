package photo

import (
	"math"

	pigo "github.com/esimov/pigo/core"
)

// tiltedAngles are the in-plane rotations (pigo's fraction of a full turn, which
// it rounds down to 1/32) at which a second search looks for faces the upright
// search misses: heads leaning 22.5° either way, as people lean together in a
// group photo. The upright cascade holds to about ±12°, so together they cover
// about ±35°.
var tiltedAngles = [...]float64{2.0 / 32, 30.0 / 32}

// tiltedFaces looks for other faces, leaning by tiltedAngles, at least a third of
// the subject's size: the ones single_face counts. Detections whose centre lies in
// a face already found (or the reverse) are the same head.
//
// A turned window needs twice the upright score: on the calibration set false hits
// on single portraits scored up to 3.2 turned (2.1 upright), leaning heads 7–49 and
// the ones only this search finds 18–49. When it runs it costs about 4.5 ms of CPU
// (a 480×640 check: 29.4 ms with it, 24.9 ms without, medians of 5 interleaved
// runs on the busy 2-core machine); skipped, as for a standard photo, the test
// for it costs under 0.5 ms (19.4 against 19.1 ms).
//
// pigo's rotated classifier clamps columns to the row count, so the image is
// given a stride (and, when wider than tall, a height) of its longer side; the
// padding is black and never holds a face.
func (d *detector) tiltedFaces(r *raster, subject face, minScore float64, found []face) []face {
	// A large face before a plain background, the common upload, has no room
	// for another head: the search, which costs about as much as the upright
	// one, is skipped. A small face (a group, heads touching) is always searched.
	if subject.size >= largeSubject*float64(r.w) && !busyBeside(r, subject) {
		return nil
	}
	k := float64(r.halfFactor)
	minSize := max(12, int(subject.size/3/k))
	maxSize := min(r.hw, r.hh)
	if minSize > maxSize {
		return nil
	}
	side := max(r.hw, r.hh)
	pix := make([]uint8, side*side)
	for y := 0; y < r.hh; y++ {
		copy(pix[y*side:y*side+r.hw], r.half[y*r.hw:(y+1)*r.hw])
	}
	params := pigo.CascadeParams{
		MinSize:     minSize,
		MaxSize:     maxSize,
		ShiftFactor: 0.15,
		ScaleFactor: 1.1,
		ImageParams: pigo.ImageParams{Pixels: pix, Rows: side, Cols: r.hw, Dim: side},
	}
	var out []face
	for _, angle := range tiltedAngles {
		dets := d.face.ClusterDetections(d.face.RunCascade(params, angle), 0.2)
		for _, c := range dets {
			f := face{row: float64(c.Row) * k, col: float64(c.Col) * k, size: float64(c.Scale) * k, score: float64(c.Q)}
			if f.score < 2*minScore || f.row >= float64(r.h) {
				continue
			}
			if !sameHead(f, found) && !sameHead(f, out) {
				out = append(out, f)
			}
		}
	}
	return out
}

// sameHead reports whether f's centre lies in one of fs's squares or one of their
// centres in f's: the same head found at another scale or angle.
func sameHead(f face, fs []face) bool {
	for _, g := range fs {
		r := max(g.size, f.size) / 2
		if math.Abs(f.col-g.col) < r && math.Abs(f.row-g.row) < r {
			return true
		}
	}
	return false
}

// largeSubject is the face square's share of the width from which a face counts
// as large: a standard photo's face square is 0.39–0.64 of it; the calibration groups'
// faces, heads touching included, 0.12–0.21.
const largeSubject = 0.35

// busyBeside reports whether the picture beside the subject's head (outside a band
// 1.5 times the width of its face square, from the top down to the mouth: the
// subject's own hair, ears and shoulders stay out) holds
// anything besides a plain background: more than besideShare of it differing by
// ΔE*ab > 20 from its mean colour.
func busyBeside(r *raster, subject face) bool {
	// Grid pixels are 2×2 work pixels.
	reach := subject.size * 0.75
	x0, x1 := int((subject.col-reach)/2), int((subject.col+reach)/2)
	y1 := min(r.gh, int((subject.row+subject.size/4)/2))
	var sl, sa, sb float64
	n := 0
	for gy := 0; gy < y1; gy++ {
		row := r.lab[gy*r.gw*3 : (gy+1)*r.gw*3]
		for gx := 0; gx < r.gw; gx++ {
			if gx >= x0 && gx <= x1 {
				continue
			}
			sl, sa, sb = sl+float64(row[gx*3]), sa+float64(row[gx*3+1]), sb+float64(row[gx*3+2])
			n++
		}
	}
	if n == 0 {
		return false
	}
	ml, ma, mb := float32(sl/float64(n)), float32(sa/float64(n)), float32(sb/float64(n))
	differ := 0
	for gy := 0; gy < y1; gy++ {
		row := r.lab[gy*r.gw*3 : (gy+1)*r.gw*3]
		for gx := 0; gx < r.gw; gx++ {
			if gx >= x0 && gx <= x1 {
				continue
			}
			dl, da, db := row[gx*3]-ml, row[gx*3+1]-ma, row[gx*3+2]-mb
			if dl*dl+da*da+db*db > 20*20 {
				differ++
			}
		}
	}
	return float64(differ) > besideShare*float64(n)
}

// besideShare: a face a third of the subject's size takes about 3 % of the area
// beside a centred head in a 3:4 portrait; half of that is enough to look. The
// calibration portraits before plain backgrounds measured 0–0.7 %, the standard
// fixture 0.
const besideShare = 0.015
