package photo

import "math"

// eyeCorners locates the inner and outer corners of both eyes (pigo's lp38 and
// lp312, mirrored for the eye on the right), started where pigo starts every
// landmark point: from the pupils. Order: inner left, outer left, inner right,
// outer right.
func (d *detector) eyeCorners(r *raster, lm landmarks) ([4]pt, bool) {
	var out [4]pt
	img := grey{pix: r.grey, w: r.w, h: r.h}
	le, re := lm.left, lm.right
	dist := math.Hypot(le.x-re.x, le.y-re.y)
	row, col, s := (le.y+re.y)/2+0.25*dist, (le.x+re.x)/2+0.15*dist, 3*dist
	for i, x := range [4]struct {
		c    *locCascade
		flip bool
	}{{d.inner, false}, {d.outer, false}, {d.inner, true}, {d.outer, true}} {
		y, xx := x.c.locateFlip(row, col, s, img, locPerturbs, x.flip)
		if y <= 0 || xx <= 0 || y >= float64(r.h) || xx >= float64(r.w) {
			return out, false
		}
		out[i] = pt{xx, y}
	}
	return out, true
}

// cornerYaw is the nose's offset from the midpoint of the two eye centres, each
// eye's centre halfway between its corners, along the line through them / their
// distance: yaw as the eye corners see it. The corners, unlike the pupils, do
// not move when the eyes look to the side.
func (a *analysis) cornerYaw() float64 {
	c := a.corners
	l := pt{(c[0].x + c[1].x) / 2, (c[0].y + c[1].y) / 2}
	r := pt{(c[2].x + c[3].x) / 2, (c[2].y + c[3].y) / 2}
	d := math.Hypot(r.x-l.x, r.y-l.y)
	if d <= 0 {
		return 0
	}
	ux, uy := (r.x-l.x)/d, (r.y-l.y)/d
	mx, my := (l.x+r.x)/2, (l.y+r.y)/2
	return math.Abs((a.lm.nose.x-mx)*ux+(a.lm.nose.y-my)*uy) / d
}

// gazeOnlyYaw: a nose off the pupil midpoint but within this of the eye corners'
// midpoint is a head turned no more than the spec allows (max_yaw's 0.12), its
// eyes looking to the side: the corners do not move with the gaze (CALIBRATION.md).
const gazeOnlyYaw = 0.12
