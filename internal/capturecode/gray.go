package capturecode

import (
	"image"
	"image/color"
)

// The decoder works on 8-bit luminance only: every helper here takes and returns an
// *image.Gray whose Rect starts at (0,0) and whose Stride equals its width, so the
// pixels can be handed to gozxing without another copy.

func newGray(w, h int) *image.Gray { return image.NewGray(image.Rect(0, 0, w, h)) }

// toGray converts a decoded image to luminance, composing transparency over white
// (a transparent PNG screenshot shows white on the phone). The common screenshot
// types have fast paths; image.At would cost ~100 ns a pixel.
func toGray(img image.Image) *image.Gray {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	g := newGray(w, h)
	switch m := img.(type) {
	case *image.YCbCr:
		// JPEG's Y is the luma we want (0.299R+0.587G+0.114B).
		for y := 0; y < h; y++ {
			copy(g.Pix[y*w:(y+1)*w], m.Y[(y+b.Min.Y-m.Rect.Min.Y)*m.YStride+(b.Min.X-m.Rect.Min.X):])
		}
	case *image.Gray:
		for y := 0; y < h; y++ {
			copy(g.Pix[y*w:(y+1)*w], m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):])
		}
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			dst := g.Pix[y*w : (y+1)*w]
			for x := range dst {
				p := src[4*x : 4*x+4 : 4*x+4]
				l := (uint32(p[0]) + 2*uint32(p[1]) + uint32(p[2])) / 4
				a := uint32(p[3])
				dst[x] = uint8((l*a + 255*(255-a)) / 255)
			}
		}
	case *image.RGBA:
		for y := 0; y < h; y++ {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			dst := g.Pix[y*w : (y+1)*w]
			for x := range dst {
				p := src[4*x : 4*x+4 : 4*x+4]
				// Premultiplied: colour is already scaled by alpha; add white for the rest.
				l := (uint32(p[0]) + 2*uint32(p[1]) + uint32(p[2])) / 4
				dst[x] = uint8(l + (255 - uint32(p[3])))
			}
		}
	case *image.Paletted:
		var lut [256]uint8
		for i, c := range m.Palette {
			lut[i] = lumaOverWhite(c)
		}
		for y := 0; y < h; y++ {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			dst := g.Pix[y*w : (y+1)*w]
			for x := range dst {
				dst[x] = lut[src[x]]
			}
		}
	default: // 16-bit PNGs, CMYK JPEGs: rare, so the slow generic path is fine
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				g.Pix[y*w+x] = lumaOverWhite(img.At(b.Min.X+x, b.Min.Y+y))
			}
		}
	}
	return g
}

func lumaOverWhite(c color.Color) uint8 {
	r, gg, b, a := c.RGBA() // premultiplied, 16-bit
	l := (r + 2*gg + b) / 4
	return uint8((l + (0xffff - a)) >> 8)
}

// orient transforms stored pixels into the upright image an EXIF orientation describes.
func orient(g *image.Gray, o int) *image.Gray {
	if o == orientNormal || o < orientNormal || o > orientRotate270 {
		return g
	}
	w, h := g.Rect.Dx(), g.Rect.Dy()
	dw, dh := w, h
	if o >= orientTranspose {
		dw, dh = h, w
	}
	d := newGray(dw, dh)
	for y := 0; y < dh; y++ {
		row := d.Pix[y*dw : (y+1)*dw]
		for x := range row {
			var sx, sy int
			switch o {
			case orientFlipH:
				sx, sy = w-1-x, y
			case orientRotate180:
				sx, sy = w-1-x, h-1-y
			case orientFlipV:
				sx, sy = x, h-1-y
			case orientTranspose:
				sx, sy = y, x
			case orientRotate90:
				sx, sy = y, h-1-x
			case orientTransverse:
				sx, sy = w-1-y, h-1-x
			case orientRotate270:
				sx, sy = w-1-y, x
			}
			row[x] = g.Pix[sy*w+sx]
		}
	}
	return d
}

// shrink averages f×f blocks: it is the cheapest way to get rid of sensor noise,
// JPEG ringing and screen moiré, whose period is a few pixels while a QR module in a
// photo is much larger.
func shrink(g *image.Gray, f int) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	dw, dh := w/f, h/f
	if f <= 1 || dw == 0 || dh == 0 {
		return g
	}
	d := newGray(dw, dh)
	if f == 2 {
		// The common case (the first attempt on every large image), without the
		// generic loop's per-block slicing.
		for y := 0; y < dh; y++ {
			r0, r1 := g.Pix[2*y*w:2*y*w+2*dw], g.Pix[(2*y+1)*w:(2*y+1)*w+2*dw]
			row := d.Pix[y*dw : (y+1)*dw]
			for x := range row {
				s := uint32(r0[2*x]) + uint32(r0[2*x+1]) + uint32(r1[2*x]) + uint32(r1[2*x+1])
				row[x] = uint8(s / 4)
			}
		}
		return d
	}
	sums := make([]uint32, dw)
	area := uint32(f * f)
	for y := 0; y < dh; y++ {
		clear(sums)
		for yy := y * f; yy < y*f+f; yy++ {
			src := g.Pix[yy*w : yy*w+dw*f]
			for x := range sums {
				var s uint32
				for _, v := range src[x*f : x*f+f] {
					s += uint32(v)
				}
				sums[x] += s
			}
		}
		row := d.Pix[y*dw : (y+1)*dw]
		for x := range row {
			row[x] = uint8(sums[x] / area)
		}
	}
	return d
}

// crop copies a rectangle out of g.
func crop(g *image.Gray, r image.Rectangle) *image.Gray {
	r = r.Intersect(g.Rect)
	d := newGray(r.Dx(), r.Dy())
	for y := 0; y < r.Dy(); y++ {
		copy(d.Pix[y*r.Dx():(y+1)*r.Dx()], g.Pix[(r.Min.Y+y)*g.Stride+r.Min.X:])
	}
	return d
}

// enlarge doubles the size with bilinear interpolation, so that a QR code whose
// modules are 2–3 px wide gets enough samples per module for the detector.
func enlarge(g *image.Gray) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	dw, dh := 2*w, 2*h
	d := newGray(dw, dh)
	for y := 0; y < dh; y++ {
		// Source coordinate (y-0.5)/2 in fixed point, so pixel centres line up.
		sy := max(0, (2*y-1)) * 64 / 4 // in 1/64 px
		y0 := min(sy/64, h-1)
		y1 := min(y0+1, h-1)
		fy := uint32(sy % 64)
		row := d.Pix[y*dw : (y+1)*dw]
		r0, r1 := g.Pix[y0*w:(y0+1)*w], g.Pix[y1*w:(y1+1)*w]
		for x := range row {
			sx := max(0, (2*x-1)) * 64 / 4
			x0 := min(sx/64, w-1)
			x1 := min(x0+1, w-1)
			fx := uint32(sx % 64)
			top := uint32(r0[x0])*(64-fx) + uint32(r0[x1])*fx
			bot := uint32(r1[x0])*(64-fx) + uint32(r1[x1])*fx
			row[x] = uint8((top*(64-fy) + bot*fy + 2048) / 4096)
		}
	}
	return d
}

// stretch maps the 1st–99th percentile of luminance onto 0–255, for photos of a
// dim screen where the QR spans only a narrow band of grey.
func stretch(g *image.Gray) *image.Gray {
	var hist [256]int
	for _, v := range g.Pix {
		hist[v]++
	}
	n := len(g.Pix)
	lo, hi, acc := 0, 255, 0
	for i := 0; i < 256; i++ {
		acc += hist[i]
		if acc > n/100 {
			lo = i
			break
		}
	}
	acc = 0
	for i := 255; i >= 0; i-- {
		acc += hist[i]
		if acc > n/100 {
			hi = i
			break
		}
	}
	if hi-lo < 2 { // a flat image: nothing to stretch
		return g
	}
	var lut [256]uint8
	for i := range lut {
		v := (i - lo) * 255 / (hi - lo)
		lut[i] = uint8(min(max(v, 0), 255))
	}
	d := newGray(g.Rect.Dx(), g.Rect.Dy())
	for i, v := range g.Pix {
		d.Pix[i] = lut[v]
	}
	return d
}
