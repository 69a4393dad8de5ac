package photo

import "math"

// teethBand is the height of the band of teeth between the lips, / IPD: rows across
// the middle of the mouth where at least teethRowShare of the pixels are teeth.
// Teeth are told by their lack of colour, not their brightness (teeth in the shade
// of the upper lip are darker than the face): chroma under teethChroma of the
// face's mean and lightness above teethLight of the face's; lips and skin are
// coloured whatever the skin tone. The band is searched from a little above the
// upper lip landmark to a little below the lower one, which can sit off the lips.
//
// box is teethBox, lips its lipRows.
func (a *analysis) teethBand(box mouthBox, lips lipSpan) float64 {
	r := a.r
	x0, x1, y0, y1 := box.x0, box.x1, box.y0, box.y1
	if x1 <= x0 || a.chroma <= 0 {
		return 0
	}
	// Only between the lips: pale skin above the upper lip is as colourless
	// against a pale face (a band of 0.043 on a closed mouth).
	if lips.ok {
		y0, y1 = lips.first, lips.last+1
	}
	rows := 0
	for y := y0; y < y1; y++ {
		n := 0
		for x := x0; x < x1; x++ {
			i := (y*r.w + x) * 3
			l, aa, b := toLab(r.rgb[i], r.rgb[i+1], r.rgb[i+2])
			if math.Hypot(float64(aa), float64(b)) < teethChroma*a.chroma && float64(l) > teethLight*a.faceL {
				n++
			}
		}
		if float64(n) >= teethRowShare*float64(x1-x0) {
			rows++
		}
	}
	if rows < 2 {
		return 0 // one row is a highlight on a lip, not teeth
	}
	return float64(rows) / a.ipd
}

// Calibration (CALIBRATION.md): closed mouths measured a band of 0 (no row), teeth
// behind barely parted lips 0.043, teeth and tongue 0.099, open mouths 0.025–0.18;
// a band shows when it reaches maxTeethBand and at least two rows.
const (
	teethChroma   = 0.45
	teethLight    = 0.6
	teethRowShare = 0.3
	maxTeethBand  = 0.02
)

// teethBox is where teeth are looked for: the middle 0.4 IPD of the mouth, from
// 0.1 IPD above the upper lip landmark to 0.1 IPD below the lower one (the
// landmarks can sit off the lips).
func (a *analysis) teethBox() mouthBox {
	r := a.r
	up, lo := a.lm.upperLip, a.lm.lower
	if up.y > lo.y {
		up, lo = lo, up
	}
	cx := (up.x + lo.x) / 2
	return mouthBox{clampI(int(cx-0.2*a.ipd), 0, r.w), clampI(int(cx+0.2*a.ipd)+1, 0, r.w),
		clampI(int(up.y-0.1*a.ipd), 0, r.h), clampI(int(lo.y+0.1*a.ipd)+1, 0, r.h)}
}

// mouthBox is a box of the work raster around the mouth: columns x0–x1, rows y0–y1
// (ends excluded).
type mouthBox struct{ x0, x1, y0, y1 int }

// teethBetweenLips is the height of the band of teeth between the lips / IPD, teeth
// told by their lack of red against the lips: rows of the middle 0.4 IPD of the mouth,
// between its first and last lip row (lipRows), where at least teethRowShare of the
// pixels have a* under lipRedShare of the lips' and L* over teethLight of the face's.
// Teeth in warm light are as coloured as pale skin (chroma 20 against a face's 19),
// which the colourless rule of teethBand misses; but they are yellowish, not red
// (a* 5–10 between lips of 21–38). Skin is as little red, but lies outside the lips.
//
// box is teethBox, lips its lipRows.
func (a *analysis) teethBetweenLips(box mouthBox, lips lipSpan) float64 {
	r := a.r
	if !lips.ok {
		return 0 // no red lips to tell teeth from (a grey photo: color_mode fails)
	}
	rows := 0
	for y := lips.first + 1; y < lips.last; y++ {
		k := 0
		for x := box.x0; x < box.x1; x++ {
			i := (y*r.w + x) * 3
			l, aa, _ := toLab(r.rgb[i], r.rgb[i+1], r.rgb[i+2])
			if float64(aa) < lipRedShare*lips.red && float64(l) > teethLight*a.faceL {
				k++
			}
		}
		if float64(k) >= teethRowShare*float64(box.x1-box.x0) {
			rows++
		}
	}
	if rows < 2 {
		return 0
	}
	return float64(rows) / a.ipd
}

// lipSpan is where lipRows found the lips: first and last are the outermost lip
// rows (work raster y), red the lips' redness; ok is false when the box holds no red.
type lipSpan struct {
	first, last int
	red         float64
	ok          bool
}

// lipRows finds the lips in box: the lips' redness is the largest median a* of a
// row, and a lip row is one whose median a* is at least lipRowShare of it. What lies
// between the outermost lip rows is lips, teeth or the open mouth, never the skin
// above or below (pale skin beside red lips is as colourless as teeth). Not ok when
// the box holds no red (under minLipRed).
func (a *analysis) lipRows(box mouthBox) lipSpan {
	r := a.r
	x0, x1, y0, y1 := box.x0, box.x1, box.y0, box.y1
	if x1 <= x0 || y1 <= y0 {
		return lipSpan{}
	}
	med := make([]float64, y1-y0)
	as := make([]float32, x1-x0)
	var red float64
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			i := (y*r.w + x) * 3
			_, as[x-x0], _ = toLab(r.rgb[i], r.rgb[i+1], r.rgb[i+2])
		}
		med[y-y0] = median(as)
		red = max(red, med[y-y0])
	}
	if red < minLipRed {
		return lipSpan{red: red}
	}
	s := lipSpan{first: -1, red: red, ok: true}
	for i, m := range med {
		if m >= lipRowShare*red {
			if s.first < 0 {
				s.first = y0 + i
			}
			s.last = y0 + i
		}
	}
	return s
}

// Calibration (CALIBRATION.md, sixth batch): on the 87 photos teethBetweenLips reads
// 0 on every closed mouth but a frown (0.021) and a closed mouth on a head turned 30°
// (0.031); teeth 0.056 (an open mouth) to 0.21. lipRedShare 0.35–0.4 and lipRowShare 0.5–0.6 give
// the same verdicts (0.45 finds a band in three closed mouths, 0.7 misses the pale
// upper lip of a broad smile); the limit is in the middle of 0.031–0.056.
const (
	lipRedShare     = 0.4
	lipRowShare     = 0.5
	minLipRed       = 5.0
	maxTeethLipBand = 0.045
)
