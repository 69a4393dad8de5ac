package photo

import (
	"math"
)

// analysis holds every measurement of one photo, in work-raster pixels unless
// named a fraction. report turns it into checks against a profile.
type analysis struct {
	r         *raster
	W, H      int // original size, upright
	faces     []face
	faceCount int  // faces at least a third of the subject's width, subject included
	quick     bool // landmarks good enough for the crop only: refine before judging
	main      face
	hasFace   bool
	lm        landmarks
	corners   [4]pt // eye corners (frontal.go), looked for only when the nose reads as turned
	cornersOK bool

	ipd      float64 // inter-pupil distance
	eyeY     float64
	pupilMid pt

	headTop   float64 // -1 when not found
	chinY     float64
	faceWidth float64 // work px, from the detector square

	bgL, bgA, bgB          float64
	bgBlueShare            float64
	bgLStd, bgLR, bgTB     float64
	bgBandPixels           int
	clothingDE             float64
	clothingOK             bool
	sharpness              float64
	faceL, clipped, faceLR float64
	chroma                 float64
	eyeContrast            float64
	eyeOpen                float64 // the less open eye: height of its dark iris band / IPD
	eyeHeights             [2]float64
	wink                   bool    // one eye shut, the other open (eyes.go)
	irisMoved              [2]bool // the eye was measured at the iris beside its landmark (eyes.go)
	glare                  float64
	shoulderDeg            float64
	shouldersFound         bool
	lipGap                 float64
	teeth                  float64 // share of the mouth box that is teeth or open mouth
	teethRows              float64 // height of the band of teeth between the lips / IPD (teeth.go)
	teethLip               float64 // height of the band between the lips less red than the lips / IPD (teeth.go)
}

// Calibration constants of the geometry model (CALIBRATION.md): pigo's face square
// spans about ear to ear, which is the width the standard's 180–300 px describes on
// real ID photos. The chin lies below the mouth by a fixed share of the eye-to-mouth
// distance.
const (
	faceWidthPerSize = 0.97
	chinPerEyeMouth  = 1.63
	bgTolerance      = 15 // ΔE*ab from the background colour still counted as background
)

// locate finds the faces, the subject's landmarks and head top on r: what the
// standard crop is chosen from.
func (c *Checker) locate(r *raster, W, H int, p Profile) *analysis {
	a := &analysis{r: r, W: W, H: H, headTop: -1}
	found := c.det.faces(r, p.MinFaceScore)
	if strong := atLeast(found, p.MinFaceScore); len(strong) > 0 {
		// The biggest face is the subject; another face counts when it is at least
		// a third of its width (a face on a poster far behind does not).
		a.main = subject(strong)
		// A small subject (a phone photo with the person far away): look again for
		// faces down to a third of its size, which the first search skipped.
		first := max(20, min(r.hw, r.hh)/8)
		if want := int(a.main.size / 3 / float64(r.halfFactor)); want < first {
			found = c.det.facesFrom(r, p.MinFaceScore, max(12, want), false)
			if strong = atLeast(found, p.MinFaceScore); len(strong) == 0 {
				strong = []face{a.main}
			}
			a.main = subject(strong)
		}
		// Heads leaning into the picture (a group photo) escape the upright search.
		a.faces = append(strong, c.det.tiltedFaces(r, a.main, p.MinFaceScore, strong)...)
		for _, f := range a.faces {
			if f.size*3 >= a.main.size && !onBody(f, a.main) {
				a.faceCount++
			}
		}
		for _, f := range found {
			if f.score < p.MinFaceScore && sideBySide(f, a.main) && !sameHead(f, a.faces) {
				a.faces = append(a.faces, f)
				a.faceCount++
			}
		}
		a.hasFace = true
	}
	// A photo analysed at full resolution (at most 640 px on the long side) is
	// cut at most 1.25× larger: its landmarks serve the standard photo too
	// (reusableLandmarks), so they are taken in full at once.
	c.findLandmarks(a, r.scale > 1)
	return a
}

func atLeast(fs []face, score float64) []face {
	var out []face
	for _, f := range fs {
		if f.score >= score {
			out = append(out, f)
		}
	}
	return out
}

// sideBySide reports whether f could be another person's face beside the
// subject's: about its size (0.6–1.5×) and at its height (within half its size).
// Such a face counts from a fifth of the score floor (weakShare): in the
// calibration set and its copies (CALIBRATION.md) no single portrait has a
// detection like it at any score from 0.3, while the weaker faces of the group
// photos score 1.6–4 there.
func sideBySide(f, subject face) bool {
	return math.Abs(f.row-subject.row) <= 0.5*subject.size && f.size >= 0.6*subject.size && f.size <= 1.5*subject.size
}

// onBody reports whether f is a weak detection on the subject's own neck and chest:
// centred below the subject's face square, within half its size of the face's
// centre line, and scoring under a quarter of the subject (not clearly a face, as
// in subject). A shirt collar with a tie scored 8 there against the face's 155;
// every other face of the calibration groups is at least 0.77 face widths to the
// side.
func onBody(f, subject face) bool {
	return f.row-subject.row >= 0.5*subject.size && math.Abs(f.col-subject.col) <= 0.5*subject.size && f.score < subject.score/4
}

// subject is the biggest of the clearly detected faces (a score of at least a
// quarter of the best): a weak, large false detection is not the subject.
func subject(fs []face) face {
	best := 0.0
	for _, f := range fs {
		best = max(best, f.score)
	}
	var b face
	for _, f := range fs {
		if f.score >= best/4 && f.size > b.size {
			b = f
		}
	}
	return b
}

// locateOn is locate on the standard photo, with the subject already found on the
// original and mapped onto it: the face count is the original's (a crop must not
// hide a second person). lm, when not nil, are the subject's landmarks mapped from
// the original too (it was analysed at about the standard's resolution, so looking
// for them again would find the same points at the cost of a second search).
func (c *Checker) locateOn(r *raster, main face, faceCount int, lm *landmarks) *analysis {
	a := &analysis{r: r, W: r.w, H: r.h, headTop: -1, main: main, hasFace: true, faceCount: faceCount}
	if lm != nil {
		a.setLandmarks(*lm)
	} else {
		c.findLandmarks(a, false)
	}
	return a
}

// findLandmarks localises the subject's landmarks (quick: enough to choose the
// crop) and what follows from them: the eye line, the chin, the head top.
func (c *Checker) findLandmarks(a *analysis, quick bool) {
	a.quick = quick
	var lm landmarks
	if a.hasFace {
		lm = c.det.landmarks(a.r, a.main, quick)
	}
	a.setLandmarks(lm)
}

// setLandmarks takes the subject's landmarks and derives the eye line, the chin
// and the head top from them.
func (a *analysis) setLandmarks(lm landmarks) {
	if a.hasFace {
		a.lm = lm
		a.faceWidth = a.main.size * faceWidthPerSize
	}
	if a.lm.pupilsOK {
		l, rt := a.lm.left, a.lm.right
		a.ipd = math.Hypot(rt.x-l.x, rt.y-l.y)
		a.eyeY = (l.y + rt.y) / 2
		a.pupilMid = pt{(l.x + rt.x) / 2, a.eyeY}
		if a.lm.mouthOK {
			mouthY := (a.lm.upperLip.y + a.lm.lower.y) / 2
			a.chinY = a.eyeY + chinPerEyeMouth*(mouthY-a.eyeY)
		} else {
			a.chinY = a.eyeY + 1.82*a.ipd
		}
	}
	a.backgroundModel()
	a.classifyBackground()
	if a.hasFace {
		a.findHeadTop()
	}
}

// measure takes every other measurement, once the head is located.
func (a *analysis) measure(p Profile) {
	a.backgroundBand(p)
	a.faceMeasures()
	a.clothing()
	a.shoulders()
	if a.lm.pupilsOK {
		a.eyes()
	}
	if a.lm.mouthOK {
		a.mouth()
	}
}

// head is the located head in original pixels, for the crop. Without a head top
// (hair the colour of the background), the top is estimated from the eyes: in a
// face the hair top lies about as far above the eyes as the chin below them.
func (a *analysis) head() head {
	sx := float64(a.W) / float64(a.r.w)
	sy := float64(a.H) / float64(a.r.h)
	top := a.headTop
	if top < 0 {
		top = max(0, a.eyeY-(a.chinY-a.eyeY))
	}
	return head{top: top * sy, chin: a.chinY * sy, eyes: a.eyeY * sy, centre: a.centreX() * sx, faceWidth: a.faceWidth * sx}
}

// centreX is the face's horizontal centre: the pupil midpoint when found (more
// precise than the detector's square), else the square's centre.
func (a *analysis) centreX() float64 {
	if a.lm.pupilsOK {
		return a.pupilMid.x
	}
	return a.main.col
}

// backgroundModel takes the median colour of the top band and the upper outer
// strips: in an ID photo these are background whatever its colour.
func (a *analysis) backgroundModel() {
	r := a.r
	top := max(1, r.gh*3/100)
	side := max(1, r.gw*6/100)
	n := top*r.gw + max(0, r.gh*40/100-top)*2*side
	ls, as, bs := make([]float32, 0, n), make([]float32, 0, n), make([]float32, 0, n)
	add := func(x, y int) {
		l, aa, b := r.labAt(x, y)
		ls, as, bs = append(ls, l), append(as, aa), append(bs, b)
	}
	for y := 0; y < top; y++ {
		for x := 0; x < r.gw; x++ {
			add(x, y)
		}
	}
	for y := top; y < r.gh*40/100; y++ {
		for x := 0; x < side; x++ {
			add(x, y)
			add(r.gw-1-x, y)
		}
	}
	a.bgL, a.bgA, a.bgB = median(ls), median(as), median(bs)
}

// median returns the element that sorting v would put at len(v)/2 (v is
// reordered), found by selection rather than a full sort.
func median(v []float32) float64 {
	if len(v) == 0 {
		return 0
	}
	k := len(v) / 2
	lo, hi := 0, len(v)-1
	for lo < hi {
		// Median-of-three pivot, Hoare partition.
		mid := lo + (hi-lo)/2
		a, b, c := v[lo], v[mid], v[hi]
		pivot := max(min(a, b), min(max(a, b), c))
		i, j := lo, hi
		for i <= j {
			for v[i] < pivot {
				i++
			}
			for v[j] > pivot {
				j--
			}
			if i <= j {
				v[i], v[j] = v[j], v[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return float64(v[k])
		}
	}
	return float64(v[k])
}

func (a *analysis) classifyBackground() {
	r := a.r
	for i := 0; i < r.gw*r.gh; i++ {
		dl := float64(r.lab[i*3]) - a.bgL
		da := float64(r.lab[i*3+1]) - a.bgA
		db := float64(r.lab[i*3+2]) - a.bgB
		r.bg[i] = dl*dl+da*da+db*db < bgTolerance*bgTolerance
	}
}

// findHeadTop scans down the column band of the face for the first rows that are
// not background: the top of the hair.
func (a *analysis) findHeadTop() {
	r := a.r
	cx := a.centreX() / 2
	half := a.main.size * 0.35 / 2
	x0, x1 := max(0, int(cx-half)), min(r.gw, int(cx+half)+1)
	if x1 <= x0 {
		return
	}
	limit := r.gh
	if a.lm.pupilsOK {
		limit = min(r.gh, int(a.eyeY/2))
	}
	run := 0
	for y := 0; y < limit; y++ {
		n := 0
		for x := x0; x < x1; x++ {
			if !r.bg[y*r.gw+x] {
				n++
			}
		}
		if float64(n) > 0.3*float64(x1-x0) {
			run++
			if run == 2 {
				a.headTop = float64(y-1) * 2
				return
			}
		} else {
			run = 0
		}
	}
}

// backgroundBand measures the band outside the head and shoulders: the top rows
// above the hair and the outer strips down to the chin.
func (a *analysis) backgroundBand(p Profile) {
	r := a.r
	topRows := max(1, r.gh*4/100)
	if a.headTop > 0 {
		topRows = max(1, min(topRows, int(a.headTop/2*0.8)))
	}
	lower := r.gh * 55 / 100
	stripL, stripR := r.gw*8/100, r.gw*8/100
	if a.hasFace {
		if a.chinY > 0 {
			// Shoulders can rise to the chin's height at the sides; stop halfway
			// between the eyes and the chin.
			lower = min(lower, int((a.eyeY+a.chinY)/4))
		}
		// Keep the strips clear of the hair, which is wider than the face.
		reach := a.main.size * 0.65 / 2
		cx := a.centreX() / 2
		stripL = min(stripL, max(0, int(cx-reach)))
		stripR = min(stripR, max(0, r.gw-int(cx+reach)-1))
	}
	var n, blue int
	var sum, sum2 float64
	var sumL, nL, sumR, nR, sumT, nT, sumS, nS float64
	visit := func(x, y int, zone int) {
		i := y*r.gw + x
		l := float64(r.lab[i*3])
		n++
		sum += l
		sum2 += l * l
		h, s, v := toHSV(r.grgb[i*3], r.grgb[i*3+1], r.grgb[i*3+2])
		if float64(h) >= p.BgHueMin && float64(h) <= p.BgHueMax && float64(s) >= p.BgMinSaturation && float64(v) >= p.BgMinValue {
			blue++
		}
		switch zone {
		case 0:
			sumT += l
			nT++
		case 1:
			sumL += l
			nL++
		case 2:
			sumR += l
			nR++
		}
		if zone != 0 && y >= (topRows+lower)/2 {
			sumS += l
			nS++
		}
	}
	for y := 0; y < topRows; y++ {
		for x := 0; x < r.gw; x++ {
			visit(x, y, 0)
		}
	}
	for y := topRows; y < lower; y++ {
		for x := 0; x < stripL; x++ {
			visit(x, y, 1)
		}
		for x := r.gw - stripR; x < r.gw; x++ {
			visit(x, y, 2)
		}
	}
	a.bgBandPixels = n
	if n == 0 {
		return
	}
	mean := sum / float64(n)
	a.bgBlueShare = float64(blue) / float64(n)
	a.bgLStd = math.Sqrt(max(0, sum2/float64(n)-mean*mean))
	if nL > 0 && nR > 0 {
		a.bgLR = math.Abs(sumL/nL - sumR/nR)
	}
	if nT > 0 && nS > 0 {
		a.bgTB = math.Abs(sumT/nT - sumS/nS)
	}
}

// faceMeasures covers exposure, colour and sharpness on the inner face square.
func (a *analysis) faceMeasures() {
	r := a.r
	if !a.hasFace {
		a.chroma = a.meanChroma(0, 0, r.gw, r.gh)
		return
	}
	cx, cy := a.centreX()/2, a.main.row/2
	half := a.main.size * 0.25 / 2
	x0, x1 := clampI(int(cx-half), 0, r.gw), clampI(int(cx+half)+1, 0, r.gw)
	y0, y1 := clampI(int(cy-half), 0, r.gh), clampI(int(cy+half)+1, 0, r.gh)
	if x1-x0 < 2 || y1-y0 < 1 {
		return
	}
	a.chroma = a.meanChroma(x0, y0, x1, y1)
	var sum, sumL, sumR float64
	var n, nl, nr, clip int
	mid := (x0 + x1) / 2
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			l := float64(r.lab[(y*r.gw+x)*3])
			sum += l
			n++
			if l <= 3 || l >= 97 {
				clip++
			}
			if x < mid {
				sumL += l
				nl++
			} else {
				sumR += l
				nr++
			}
		}
	}
	a.faceL = sum / float64(n)
	a.clipped = float64(clip) / float64(n)
	a.faceLR = math.Abs(sumL/float64(nl) - sumR/float64(nr))
	a.sharpness = a.laplacianVariance()
}

func (a *analysis) meanChroma(x0, y0, x1, y1 int) float64 {
	r := a.r
	if r.isGreySrc {
		return 0
	}
	var sum float64
	var n int
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			i := (y*r.gw + x) * 3
			sum += math.Hypot(float64(r.lab[i+1]), float64(r.lab[i+2]))
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

func clampI(v, lo, hi int) int { return max(lo, min(v, hi)) }

// sharpSide is the size the inner face is resampled to before the Laplacian, so the
// figure does not depend on how many pixels the camera gave the face.
const sharpSide = 96

// laplacianVariance resamples the inner face (60 % of the detector square) to
// sharpSide² by box averaging and returns the variance of its 4-neighbour Laplacian.
func (a *analysis) laplacianVariance() float64 {
	r := a.r
	side := a.main.size * 0.6
	x0 := a.centreX() - side/2
	y0 := a.main.row - side/2
	step := side / sharpSide
	var buf [sharpSide * sharpSide]float64
	for j := 0; j < sharpSide; j++ {
		sy0, sy1 := int(y0+float64(j)*step), int(y0+float64(j+1)*step)
		sy1 = max(sy1, sy0+1)
		for i := 0; i < sharpSide; i++ {
			sx0, sx1 := int(x0+float64(i)*step), int(x0+float64(i+1)*step)
			sx1 = max(sx1, sx0+1)
			var s, n int
			for y := sy0; y < sy1; y++ {
				if y < 0 || y >= r.h {
					continue
				}
				for x := sx0; x < sx1; x++ {
					if x < 0 || x >= r.w {
						continue
					}
					s += int(r.grey[y*r.w+x])
					n++
				}
			}
			if n > 0 {
				buf[j*sharpSide+i] = float64(s) / float64(n)
			}
		}
	}
	var sum, sum2 float64
	var n int
	for y := 1; y < sharpSide-1; y++ {
		for x := 1; x < sharpSide-1; x++ {
			i := y*sharpSide + x
			l := buf[i-1] + buf[i+1] + buf[i-sharpSide] + buf[i+sharpSide] - 4*buf[i]
			sum += l
			sum2 += l * l
			n++
		}
	}
	m := sum / float64(n)
	return sum2/float64(n) - m*m
}

// clothing compares the bottom band below the chin with the background colour.
func (a *analysis) clothing() {
	r := a.r
	y0 := r.gh * 92 / 100
	if a.chinY > 0 {
		y0 = max(y0, int(a.chinY/2)+1)
	}
	if y0 >= r.gh {
		return
	}
	x0, x1 := r.gw/4, r.gw*3/4
	n := (r.gh - y0) * (x1 - x0)
	ls, as, bs := make([]float32, 0, n), make([]float32, 0, n), make([]float32, 0, n)
	for y := y0; y < r.gh; y++ {
		for x := x0; x < x1; x++ {
			l, aa, b := r.labAt(x, y)
			ls, as, bs = append(ls, l), append(as, aa), append(bs, b)
		}
	}
	if len(ls) == 0 {
		return
	}
	dl, da, db := median(ls)-a.bgL, median(as)-a.bgA, median(bs)-a.bgB
	a.clothingDE = math.Sqrt(dl*dl + da*da + db*db)
	a.clothingOK = true
}

// shoulders finds where the background ends above each bottom corner.
func (a *analysis) shoulders() {
	r := a.r
	start := r.gh / 2
	if a.chinY > 0 {
		start = min(r.gh-1, int(a.chinY/2))
	}
	edge := func(x int) (int, bool) {
		run := 0
		for y := start; y < r.gh; y++ {
			if !r.bg[y*r.gw+x] {
				run++
				if run == 3 {
					return y - 2, true
				}
			} else {
				run = 0
			}
		}
		return 0, false
	}
	xl, xr := r.gw*10/100, r.gw*90/100
	yl, okL := edge(xl)
	yr, okR := edge(xr)
	if okL && okR && xr > xl {
		a.shouldersFound = true
		a.shoulderDeg = math.Abs(math.Atan2(float64(yr-yl), float64(xr-xl)) * 180 / math.Pi)
	}
}

// eyes measures how dark each pupil is against its surround (open eyes) and how
// much clipped white surrounds it (glare on glasses).
func (a *analysis) eyes() {
	a.glare = max(a.glareAt(a.lm.left), a.glareAt(a.lm.right))
	m := a.ringMask()
	le, cl := a.pupilOrIris(m, a.lm.left)
	re, cr := a.pupilOrIris(m, a.lm.right)
	a.irisMoved = [2]bool{le != a.lm.left, re != a.lm.right}
	left, right := a.look(le), a.look(re)
	a.eyeHeights = [2]float64{left.height, right.height}
	a.wink = winking(left, right)
	a.eyeContrast = min(cl, cr)
	// At the landmark, or at the iris look found beside it, whichever shows the
	// eye more open: a landmark on the iris's edge reads the band through the
	// white (an open East Asian eye read 0.06 there, 0.19 at its iris).
	a.eyeOpen = min(max(a.openness(le), a.openness(left.iris)), max(a.openness(re), a.openness(right.iris)))
}

// ringMask lists, in scan order, the offsets of the pupil-sized disc (0.08 IPD)
// and of the ring around it (0.2–0.3 IPD, its lower three quarters: not the
// brow) that pupilContrast compares.
func (a *analysis) ringMask() ringMask {
	rp := max(1, 0.08*a.ipd)
	r0, r1 := 0.2*a.ipd, 0.3*a.ipd
	R := int(math.Ceil(r1))
	var m ringMask
	for dy := -R; dy <= R; dy++ {
		for dx := -R; dx <= R; dx++ {
			d := math.Hypot(float64(dx), float64(dy))
			switch {
			case d <= rp:
				m.offs = append(m.offs, ringOff{dx, dy, true})
			case d >= r0 && d <= r1 && float64(dy) >= -0.15*a.ipd:
				m.offs = append(m.offs, ringOff{dx, dy, false})
			}
		}
	}
	return m
}

type ringOff struct {
	dx, dy int
	disc   bool
}

type ringMask struct{ offs []ringOff }

// pupilContrast is how much darker the disc of m at e is than its ring: an open
// eye's pupil is dark, a lid or skin painted over it is not.
func (a *analysis) pupilContrast(m ringMask, e pt) float64 {
	r := a.r
	var ps, pn, ss, sn float64
	ex, ey := int(e.x), int(e.y)
	for _, o := range m.offs {
		x, y := ex+o.dx, ey+o.dy
		if y < 0 || y >= r.h || x < 0 || x >= r.w {
			continue
		}
		g := float64(r.grey[y*r.w+x])
		if o.disc {
			ps += g
			pn++
		} else {
			ss += g
			sn++
		}
	}
	if pn > 0 && sn > 0 {
		return ss/sn - ps/pn
	}
	return 0
}

// glareAt is the share of clipped near-white pixels within 0.35 IPD of e.
func (a *analysis) glareAt(e pt) float64 {
	r := a.r
	rg := 0.35 * a.ipd
	var gn, gt float64
	R := int(math.Ceil(rg))
	for dy := -R; dy <= R; dy++ {
		y := int(e.y) + dy
		if y < 0 || y >= r.h {
			continue
		}
		for dx := -R; dx <= R; dx++ {
			x := int(e.x) + dx
			if x < 0 || x >= r.w {
				continue
			}
			if math.Hypot(float64(dx), float64(dy)) <= rg {
				gt++
				i := (y*r.w + x) * 3
				if min(r.rgb[i], r.rgb[i+1], r.rgb[i+2]) >= 240 {
					gn++
				}
			}
		}
	}
	if gt > 0 {
		return gn / gt
	}
	return 0
}

// openness measures how far an eye is open: the height of the dark band through
// the pupil (iris and pupil between the lids), as a share of the inter-pupil
// distance. An open eye shows an iris about 0.15 IPD tall; a closed, squeezed or
// downcast eye only the line of the lashes (≈ 0.05). The band is what is darker
// than halfway between the darkest row and the skin below the eye, so it holds
// for dark and light skin alike.
func (a *analysis) openness(e pt) float64 {
	r := a.r
	ipd := a.ipd
	half := max(1, int(0.05*ipd))
	reach := int(0.16 * ipd)
	cx, cy := int(e.x), int(e.y)
	row := func(y int) (float64, bool) {
		if y < 0 || y >= r.h {
			return 0, false
		}
		var s, n float64
		for x := max(0, cx-half); x <= min(r.w-1, cx+half); x++ {
			s += float64(r.grey[y*r.w+x])
			n++
		}
		return s / max(n, 1), n > 0
	}
	prof := make([]float64, 2*reach+1)
	darkest, at := math.Inf(1), 0
	for i := range prof {
		v, ok := row(cy - reach + i)
		if !ok {
			return 0
		}
		prof[i] = v
		// The iris is near the pupil landmark: look for the darkest row in
		// the middle half only, so an eyebrow or a lash line at the edge does not win.
		if i >= reach/2 && i <= reach*3/2 && v < darkest {
			darkest, at = v, i
		}
	}
	// Skin: the cheek just below the eye.
	var skin []float32
	for y := cy + int(0.25*ipd); y <= cy+int(0.35*ipd); y++ {
		if v, ok := row(y); ok {
			skin = append(skin, float32(v))
		}
	}
	ref := median(skin)
	if ref-darkest < 10 {
		return 0 // no dark iris at all: closed, covered, or not an eye
	}
	thr := darkest + 0.5*(ref-darkest)
	lo, hi := at, at
	for lo > 0 && prof[lo-1] < thr {
		lo--
	}
	for hi < len(prof)-1 && prof[hi+1] < thr {
		hi++
	}
	return float64(hi-lo+1) / ipd
}

// mouth measures the open part between the lips: rows in the middle of the mouth
// that look like teeth (bright, colourless) or the dark mouth cavity.
func (a *analysis) mouth() {
	r := a.r
	up, lo := a.lm.upperLip, a.lm.lower
	if up.y > lo.y {
		up, lo = lo, up
	}
	// The mouth is about as wide as the pupils are apart; its middle 40 % is
	// where an open mouth shows.
	w := a.ipd
	cx := (up.x + lo.x) / 2
	x0 := clampI(int(cx-w*0.2), 0, r.w)
	x1 := clampI(int(cx+w*0.2)+1, 0, r.w)
	span := max(lo.y-up.y, a.main.size*0.05)
	y0 := clampI(int(up.y-span*0.3), 0, r.h)
	y1 := clampI(int(lo.y+span*0.3)+1, 0, r.h)
	if x1 <= x0 {
		return
	}
	// The gap lies between the lips: rows above the upper lip or below the lower
	// one are skin, and pale skin is as light and colourless as teeth (0.04 of the
	// face height on closed mouths of East Asian faces).
	if lips := a.lipRows(mouthBox{x0, x1, y0, y1}); lips.ok {
		y0, y1 = lips.first, lips.last+1
	}
	gap := 0
	for y := y0; y < y1; y++ {
		teeth, dark := 0, 0
		for x := x0; x < x1; x++ {
			i := (y*r.w + x) * 3
			l, aa, b := toLab(r.rgb[i], r.rgb[i+1], r.rgb[i+2])
			c := math.Hypot(float64(aa), float64(b))
			if float64(l) > a.faceL+5 && c < 18 {
				teeth++
			}
			if l < 15 {
				dark++
			}
		}
		if float64(teeth+dark) > 0.4*float64(x1-x0) {
			gap++
		}
	}
	a.lipGap = float64(gap) / a.main.size
	a.teeth = a.openMouth(up, lo)
	// Both teeth measures look in the same box, between the same lips.
	box := a.teethBox()
	lips := a.lipRows(box)
	a.teethRows = a.teethBand(box, lips)
	a.teethLip = a.teethBetweenLips(box, lips)
}

// openMouth is the share of the mouth box (as wide as half the pupil distance,
// from above the upper lip to below the lower one) that shows teeth — lighter
// than the lips and without their colour — or the dark inside of an open mouth.
// Lips and skin are coloured; teeth are near-white or grey whatever the skin.
func (a *analysis) openMouth(up, lo pt) float64 {
	r := a.r
	cx := (up.x + lo.x) / 2
	x0 := clampI(int(cx-0.25*a.ipd), 0, r.w)
	x1 := clampI(int(cx+0.25*a.ipd)+1, 0, r.w)
	y0 := clampI(int(up.y-0.06*a.ipd), 0, r.h)
	y1 := clampI(int(lo.y+0.06*a.ipd)+1, 0, r.h)
	if x1 <= x0 || y1 <= y0 {
		return 0
	}
	var cs []float32
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			i := (y*r.w + x) * 3
			_, aa, b := toLab(r.rgb[i], r.rgb[i+1], r.rgb[i+2])
			cs = append(cs, float32(math.Hypot(float64(aa), float64(b))))
		}
	}
	// Teeth are colourless against the lips and against the skin: pale skin
	// beside red lips (ID photos of East Asian faces, lipstick) is far less
	// coloured than the lips, and read as teeth against the lips alone.
	lipC := median(cs)
	n, open := 0, 0
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			i := (y*r.w + x) * 3
			l, aa, b := toLab(r.rgb[i], r.rgb[i+1], r.rgb[i+2])
			c := math.Hypot(float64(aa), float64(b))
			n++
			if (float64(l) > a.faceL-5 && c < min(0.55*lipC, openChroma*a.chroma)) || float64(l) < 0.35*a.faceL {
				open++
			}
		}
	}
	return float64(open) / float64(n)
}

// openChroma: a pixel of the mouth box with less colour than this share of the
// face's mean (and than 0.55 of the lips') is teeth. 0.45–0.75 all give the same
// verdicts on the calibration set; the middle is taken.
const openChroma = 0.6
