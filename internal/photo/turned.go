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
// the ones only this search finds 18–49. It costs about 2.4 ms of CPU on a 37 ms
// check of a 480×640 photo (median of 5 interleaved runs, busy 2-core machine).
//
// pigo's rotated classifier clamps columns to the row count, so the image is
// given a stride (and, when wider than tall, a height) of its longer side; the
// padding is black and never holds a face.
func (d *detector) tiltedFaces(r *raster, subject face, minScore float64, found []face) []face {
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
