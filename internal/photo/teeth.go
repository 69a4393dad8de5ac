package photo

import "math"

// teethBand is the height of the band of teeth between the lips, / IPD: rows across
// the middle of the mouth where at least teethRowShare of the pixels are teeth.
// Teeth are told by their lack of colour, not their brightness (teeth in the shade
// of the upper lip are darker than the face): chroma under teethChroma of the
// face's mean and lightness above teethLight of the face's; lips and skin are
// coloured whatever the skin tone. The band is searched from a little above the
// upper lip landmark to a little below the lower one, which can sit off the lips.
func (a *analysis) teethBand() float64 {
	r := a.r
	up, lo := a.lm.upperLip, a.lm.lower
	if up.y > lo.y {
		up, lo = lo, up
	}
	cx := (up.x + lo.x) / 2
	x0 := clampI(int(cx-0.2*a.ipd), 0, r.w)
	x1 := clampI(int(cx+0.2*a.ipd)+1, 0, r.w)
	y0 := clampI(int(up.y-0.1*a.ipd), 0, r.h)
	y1 := clampI(int(lo.y+0.1*a.ipd)+1, 0, r.h)
	if x1 <= x0 || a.chroma <= 0 {
		return 0
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
