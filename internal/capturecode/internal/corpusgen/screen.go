package corpusgen

import (
	"fmt"
	"image"
	"math/rand/v2"

	"github.com/skip2/go-qrcode"
)

// Screen describes one phone screenshot of the collection-code page.
type Screen struct {
	Width, Height int
	Dark          bool
	Payload       string // empty: a page without a QR code
	// QRSide is the side of the QR code in pixels, quiet zone included; 0 means 70 %
	// of the width, as the app shows it.
	QRSide int
	// QRInverted draws light modules on a dark card (some dark themes do).
	QRInverted bool
	Level      qrcode.RecoveryLevel
	// Clutter adds QR-like shapes: a calendar grid, nested-square icons, a block of
	// random modules without finder patterns, a 1-D barcode.
	Clutter bool
	// QRCut keeps only the top half of the QR code on the screen (a careless crop).
	QRCut bool
	Seed  uint64
}

// Draw renders the screenshot.
func (s Screen) Draw() (*image.RGBA, error) {
	rng := rand.New(rand.NewPCG(s.Seed, 0x9e3779b97f4a7c15))
	p := lightPalette
	if s.Dark {
		p = darkPalette
	}
	img := image.NewRGBA(image.Rect(0, 0, s.Width, s.Height))
	fill(img, img.Rect, p.bg)
	scale := max(s.Width/375, 1)
	unit := float64(s.Width) / 375 // iPhone points

	y := statusBar(img, p, scale)
	// Navigation bar: back chevron and a centred title.
	nav := int(44 * unit)
	fill(img, image.Rect(0, y, s.Width, y+nav), p.bar)
	fill(img, image.Rect(int(16*unit), y+nav/2-scale, int(28*unit), y+nav/2+scale*2), p.text)
	hanziLine(img, rng, s.Width/2-int(40*unit), y+nav/4, int(18*unit), 5, p.text)
	y += nav + int(16*unit)

	margin := int(16 * unit)
	y = paragraph(img, rng, margin, y, s.Width-2*margin, 3, int(14*unit), p.subtle)
	y += int(12 * unit)

	// The card that holds the code.
	side := s.QRSide
	if side == 0 {
		side = s.Width * 7 / 10
	}
	cardTop := y
	cardH := side + int(110*unit)
	card := image.Rect(margin, cardTop, s.Width-margin, cardTop+cardH)
	roundRect(img, card, int(12*unit), p.card)
	hanziLine(img, rng, margin+int(16*unit), cardTop+int(14*unit), int(16*unit), 6, p.text)
	qrTop := cardTop + int(44*unit)
	qrRect := image.Rect(s.Width/2-side/2, qrTop, s.Width/2-side/2+side, qrTop+side)
	if s.Payload != "" {
		level := s.Level
		if level == 0 {
			level = qrcode.Medium
		}
		modules, err := qrModules(s.Payload, level)
		if err != nil {
			return nil, fmt.Errorf("qr for %q: %w", s.Payload, err)
		}
		darkC, lightC := rgb(0, 0, 0), rgb(0xFF, 0xFF, 0xFF)
		if s.QRInverted {
			darkC, lightC = rgb(0xEE, 0xEE, 0xEE), p.card
		}
		drawQR(img, modules, qrRect, darkC, lightC)
		if s.QRCut {
			fill(img, image.Rect(qrRect.Min.X, qrRect.Min.Y+side/2, qrRect.Max.X, qrRect.Max.Y), p.card)
		}
	} else if s.Clutter {
		randomModules(img, rng, qrRect, p)
	}
	asciiText(img, margin+int(16*unit), qrRect.Max.Y+int(12*unit), scale, "No. 2026****"+fmt.Sprintf("%04d", rng.IntN(10000)), p.subtle)
	y = card.Max.Y + int(16*unit)

	// Buttons: save to album, refresh.
	btn := image.Rect(margin, y, s.Width-margin, y+int(44*unit))
	roundRect(img, btn, int(22*unit), p.accent)
	hanziLine(img, rng, s.Width/2-int(36*unit), y+int(12*unit), int(18*unit), 4, rgb(0xFF, 0xFF, 0xFF))
	y = btn.Max.Y + int(20*unit)
	if s.Clutter {
		y = calendar(img, rng, image.Rect(margin, y, s.Width-margin, y+int(200*unit)), p, scale)
		y += int(12 * unit)
		for i := 0; i < 3; i++ {
			finderLikeIcon(img, image.Rect(margin+i*int(60*unit), y, margin+i*int(60*unit)+int(40*unit), y+int(40*unit)), p)
		}
		barcode(img, rng, image.Rect(margin+int(200*unit), y, s.Width-margin, y+int(40*unit)), p)
		y += int(56 * unit)
	}
	tabBar := s.Height - int(83*unit)
	if y < tabBar-int(40*unit) {
		paragraph(img, rng, margin, y, s.Width-2*margin, min(6, (tabBar-y)/int(21*unit)-1), int(14*unit), p.subtle)
	}
	fill(img, image.Rect(0, tabBar, s.Width, s.Height), p.bar)
	for i := 0; i < 4; i++ {
		cx := s.Width * (2*i + 1) / 8
		circle(img, cx, tabBar+int(22*unit), int(11*unit), p.subtle)
	}
	return img, nil
}

// randomModules fills r with QR-sized random modules but no finder patterns: the
// nearest thing to a QR code that is not one.
func randomModules(img *image.RGBA, rng *rand.Rand, r image.Rectangle, p palette) {
	fill(img, r, rgb(0xFF, 0xFF, 0xFF))
	n := 33
	m := r.Dx() / (n + 8)
	for j := 0; j < n; j++ {
		for i := 0; i < n; i++ {
			if rng.IntN(2) == 0 {
				x, y := r.Min.X+(i+4)*m, r.Min.Y+(j+4)*m
				fill(img, image.Rect(x, y, x+m, y+m), rgb(0, 0, 0))
			}
		}
	}
}

// finderLikeIcon draws nested squares, the shape of a QR finder pattern.
func finderLikeIcon(img *image.RGBA, r image.Rectangle, p palette) {
	u := r.Dx() / 7
	fill(img, r, p.text)
	fill(img, r.Inset(u), p.card)
	fill(img, r.Inset(2*u), p.text)
}

// calendar draws a month grid with day numbers.
func calendar(img *image.RGBA, rng *rand.Rand, r image.Rectangle, p palette, scale int) int {
	roundRect(img, r, 8*scale, p.card)
	cw, ch := r.Dx()/7, r.Dy()/6
	for j := 0; j <= 6; j++ {
		fill(img, image.Rect(r.Min.X, r.Min.Y+j*ch, r.Max.X, r.Min.Y+j*ch+scale), p.subtle)
	}
	for i := 0; i <= 7; i++ {
		fill(img, image.Rect(r.Min.X+i*cw, r.Min.Y, r.Min.X+i*cw+scale, r.Max.Y), p.subtle)
	}
	for d := 1; d <= 30; d++ {
		i, j := (d+2)%7, (d+2)/7
		asciiText(img, r.Min.X+i*cw+4*scale, r.Min.Y+j*ch+4*scale, scale, fmt.Sprint(d), p.text)
		if rng.IntN(6) == 0 { // a marked day: filled square
			fill(img, image.Rect(r.Min.X+i*cw+cw/2, r.Min.Y+j*ch+ch/2, r.Min.X+i*cw+cw-4*scale, r.Min.Y+j*ch+ch-4*scale), p.accent)
		}
	}
	return r.Max.Y
}

// barcode draws random 1-D bars.
func barcode(img *image.RGBA, rng *rand.Rand, r image.Rectangle, p palette) {
	fill(img, r, rgb(0xFF, 0xFF, 0xFF))
	for x := r.Min.X + 4; x < r.Max.X-8; {
		w := 1 + rng.IntN(4)
		if rng.IntN(2) == 0 {
			fill(img, image.Rect(x, r.Min.Y+2, x+w, r.Max.Y-2), rgb(0, 0, 0))
		}
		x += w
	}
}
