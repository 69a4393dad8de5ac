package photo

import "math"

// A wink: one eye much less open than the other. Judged on the height of the dark
// band through each iris (eyeLook.height): an eye counts as closed when it is under
// winkHeight and under winkRatio of the other eye. On the calibration set a shut
// eye beside an open one measured 0.13 and 0.50 of its open partner; open pairs of
// frontal faces 0.63 or more, and open eyes this low (0.11–0.15) were 0.67–1.0 of
// their partner (CALIBRATION.md).
const (
	winkRatio  = 0.56
	winkHeight = 0.16
)

// eyeLook is what one eye shows around its pupil landmark.
type eyeLook struct {
	iris   pt      // the darkest spot near the landmark
	height float64 // height of the dark band through the iris / IPD
}

// look measures one eye of a face whose pupils are ipd apart. The landmark can sit
// on a lid or a corner of the eye (a wide-open or turned eye), so the iris is taken
// as the darkest spot, about a pupil wide, within a small window around it; the
// band is what is darker than halfway between that spot and the cheek below.
func (a *analysis) look(e pt) eyeLook {
	r := a.r
	ipd := a.ipd
	k := max(1, int(0.03*ipd))
	mean := func(x, y int) float64 {
		var s, n float64
		for yy := max(0, y-k); yy <= min(r.h-1, y+k); yy++ {
			for xx := max(0, x-k); xx <= min(r.w-1, x+k); xx++ {
				s += float64(r.grey[yy*r.w+xx])
				n++
			}
		}
		return s / max(n, 1)
	}
	out := eyeLook{iris: e}
	rx, ry := int(0.10*ipd), int(0.06*ipd)
	best := math.Inf(1)
	cx, cy := int(e.x), int(e.y)
	for y := cy - ry; y <= cy+ry; y += k {
		for x := cx - rx; x <= cx+rx; x += k {
			if v := mean(x, y); v < best {
				best, out.iris = v, pt{float64(x), float64(y)}
			}
		}
	}
	ix, iy := int(out.iris.x), int(out.iris.y)
	var skin []float32
	for y := iy + int(0.25*ipd); y <= iy+int(0.35*ipd); y++ {
		if y >= 0 && y < r.h {
			skin = append(skin, float32(mean(ix, y)))
		}
	}
	ref := median(skin)
	if ref-best < 10 {
		return out // no dark iris: closed, covered, or not an eye
	}
	thr := best + 0.5*(ref-best)
	reach := int(0.16 * ipd)
	run := func(dy int) int {
		n := 0
		for i := 1; i <= reach; i++ {
			y := iy + i*dy
			if y < 0 || y >= r.h || mean(ix, y) >= thr {
				break
			}
			n++
		}
		return n
	}
	out.height = float64(run(-1)+run(1)+1) / ipd
	return out
}

// winking reports whether one eye is shut while the other is open (see winkRatio).
func winking(l, r eyeLook) bool {
	lo, hi := min(l.height, r.height), max(l.height, r.height)
	return hi > 0 && lo < winkHeight && lo < winkRatio*hi
}
