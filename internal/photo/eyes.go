package photo

import "math"

// A wink: one eye much less open than the other. Judged on the height of the dark
// band through each iris (eyeLook.height): an eye counts as closed when it is under
// winkHeight and under winkRatio of the other eye. On the calibration set a shut
// eye beside an open one measured 0.13 and 0.50 of its open partner; open pairs
// 0.67 or more, and open eyes under winkHeight (0.107–0.155) 0.75–1.0 of their
// partner (CALIBRATION.md).
const (
	winkRatio  = 0.56
	winkHeight = 0.16
)

// irisBox is the half-width of the box, / IPD, whose darkest position is taken as
// the iris centre in look: 0.12 IPD across, inside an iris (about 0.2 IPD).
const irisBox = 0.06

// eyeLook is what one eye shows around its pupil landmark.
type eyeLook struct {
	iris   pt      // the darkest spot near the landmark
	height float64 // height of the dark band through the iris / IPD
}

// look measures one eye of a face whose pupils are ipd apart. The landmark can sit
// on a lid or a corner of the eye (a wide-open or turned eye), so the iris is taken
// as the darkest iris-sized spot (irisBox) within a small window around it; the
// band is what is darker than halfway between the pupil-sized spot there and the
// cheek below.
func (a *analysis) look(e pt) eyeLook {
	r := a.r
	ipd := a.ipd
	k := max(1, int(0.03*ipd))
	box := func(x, y, k int) float64 {
		var s, n float64
		for yy := max(0, y-k); yy <= min(r.h-1, y+k); yy++ {
			for xx := max(0, x-k); xx <= min(r.w-1, x+k); xx++ {
				s += float64(r.grey[yy*r.w+xx])
				n++
			}
		}
		return s / max(n, 1)
	}
	mean := func(x, y int) float64 { return box(x, y, k) }
	out := eyeLook{iris: e}
	rx, ry := int(0.10*ipd), int(0.06*ipd)
	cx, cy := int(e.x), int(e.y)
	// The iris is looked for with an iris-sized box: a pupil-sized one lands on
	// eyeliner, lashes or a lid crease (thin dark lines) as readily as on the
	// iris, and the band through a line is short (an open eye read as a wink).
	ks := max(1, int(irisBox*ipd))
	darkest := math.Inf(1)
	for y := cy - ry; y <= cy+ry; y += k {
		for x := cx - rx; x <= cx+rx; x += k {
			if v := box(x, y, ks); v < darkest {
				darkest, out.iris = v, pt{float64(x), float64(y)}
			}
		}
	}
	ix, iy := int(out.iris.x), int(out.iris.y)
	best := mean(ix, iy)
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

// A pupil landmark can land on the white of a wide-open or turned eye, beside the
// iris (the eye then reads as shut: the spot is brighter than its surround, and
// its band is short). Such a landmark sits on something lighter than its ring
// (pupilContrast < 0) and colourless: the white has under whiteChroma of the
// cheek's chroma. On the calibration set the two such landmarks measured 0.16
// and 0.28 of the cheek; skin painted over a pupil (the closed-eye fixture)
// 1.23–1.36, every landmark on an iris was darker than its ring
// (CALIBRATION.md). The iris is then the spot within irisReach × irisReachV
// IPD of the landmark that is darkest against its ring.
const (
	whiteChroma = 0.6
	irisReach   = 0.2
	irisReachV  = 0.06
)

// pupilOrIris is where eye e is measured, and its pupilContrast there: the
// pupil landmark, or the iris beside it when the landmark sits on the white (see
// whiteChroma) and the way from it to that iris crosses only the white and the
// iris (whitePath).
func (a *analysis) pupilOrIris(m ringMask, e pt) (pt, float64) {
	c := a.pupilContrast(m, e)
	if c >= 0 {
		return e, c
	}
	cheek, white := a.onWhite(e)
	if !white {
		return e, c
	}
	step := max(1, int(0.03*a.ipd))
	rx, ry := int(irisReach*a.ipd), int(irisReachV*a.ipd)
	best, at := math.Inf(-1), e
	for dy := -ry; dy <= ry; dy += step {
		for dx := -rx; dx <= rx; dx += step {
			p := pt{e.x + float64(dx), e.y + float64(dy)}
			if v := a.pupilContrast(m, p); v > best {
				best, at = v, p
			}
		}
	}
	if !a.whitePath(e, at, cheek) {
		return e, c
	}
	return at, best
}

// onWhite reports whether the pupil-sized spot at e is colourless against the
// cheek below the eye (median chroma under whiteChroma of the cheek's), and the
// cheek's chroma.
func (a *analysis) onWhite(e pt) (float64, bool) {
	r := a.r
	chroma := func(cx, cy, k int) float64 {
		cs := make([]float32, 0, (2*k+1)*(2*k+1))
		for y := max(0, cy-k); y <= min(r.h-1, cy+k); y++ {
			for x := max(0, cx-k); x <= min(r.w-1, cx+k); x++ {
				i := (y*r.w + x) * 3
				_, aa, b := toLab(r.rgb[i], r.rgb[i+1], r.rgb[i+2])
				cs = append(cs, float32(math.Hypot(float64(aa), float64(b))))
			}
		}
		return median(cs)
	}
	spot := chroma(int(e.x), int(e.y), max(1, int(0.03*a.ipd)))
	cheek := chroma(int(e.x), int(e.y+0.3*a.ipd), max(1, int(0.05*a.ipd)))
	return cheek, spot < whiteChroma*cheek
}

// whitePath reports whether every pixel on the way from the landmark e to the
// iris found beside it is white (colourless against the cheek's chroma) or
// iris (darker than halfway from the iris's grey to the cheek's): the landmark
// then sat on the white next to that iris. A grey or white patch over a closed
// eye passes onWhite; the dark spot the search then finds (a brow, a lash line)
// usually lies beyond the lid's coloured skin (CALIBRATION.md: its limit).
func (a *analysis) whitePath(e, iris pt, cheek float64) bool {
	r := a.r
	if iris.x < 0 || iris.y < 0 || int(iris.x) >= r.w || int(iris.y) >= r.h {
		return false
	}
	grey := func(p pt) float64 { return float64(r.grey[int(p.y)*r.w+int(p.x)]) }
	var skin []float32
	k := max(1, int(0.05*a.ipd))
	for y := max(0, int(e.y+0.3*a.ipd)-k); y <= min(r.h-1, int(e.y+0.3*a.ipd)+k); y++ {
		for x := max(0, int(e.x)-k); x <= min(r.w-1, int(e.x)+k); x++ {
			skin = append(skin, float32(r.grey[y*r.w+x]))
		}
	}
	dark := (median(skin) + grey(iris)) / 2
	n := int(math.Ceil(math.Hypot(iris.x-e.x, iris.y-e.y)))
	for i := 0; i <= n; i++ {
		t := float64(i) / float64(max(n, 1))
		p := pt{e.x + t*(iris.x-e.x), e.y + t*(iris.y-e.y)}
		x, y := int(p.x), int(p.y)
		if x < 0 || y < 0 || x >= r.w || y >= r.h {
			return false
		}
		if grey(p) <= dark {
			continue
		}
		j := (y*r.w + x) * 3
		_, aa, b := toLab(r.rgb[j], r.rgb[j+1], r.rgb[j+2])
		if math.Hypot(float64(aa), float64(b)) >= whiteChroma*cheek {
			return false
		}
	}
	return true
}
