package photo

import (
	"image"
	"image/color"
	"math"
)

// workMaxSide bounds the analysis raster: a 3:4 photo is analysed at 480×640, the
// export size, whatever it was shot at, so thresholds mean the same for every upload.
const workMaxSide = 640

// raster is the downscaled copy every measurement works on. Buffers are reused
// through the Checker's pool; nothing here refers to the decoded image afterwards.
type raster struct {
	w, h  int     // work raster size
	scale float64 // original pixels per work pixel (≥ 1)
	rgb   []uint8 // 3 bytes per pixel
	grey  []uint8 // luma, for the detector, landmarks and sharpness

	// The colour grid: the work raster halved, in CIE L*a*b* and sRGB, for the
	// background, exposure and colour checks (they need area, not detail).
	gw, gh    int
	lab       []float32 // 3 per grid pixel
	grgb      []uint8   // 3 per grid pixel, for the HSV of the background band
	bg        []bool    // grid pixel close to the background colour
	isGreySrc bool

	// half is grey at half size for the face detector, whose cost grows with the
	// pixel count; an ID-photo face is large, and the landmarks use full size.
	half       []uint8
	hw, hh     int
	halfFactor int // work pixels per half pixel: 2, or 1 for small images

	// greyDone: loadYCbCr's common path wrote grey along with rgb (one pass over
	// the pixels instead of two); orient clears it, as it turns rgb only.
	greyDone bool

	tmp      []uint8   // scratch for orient
	resample []float32 // scratch for render's horizontal pass
	labCache [labCacheSize]labEntry
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// workSize returns the raster size for an image of w×h.
func workSize(w, h int) (int, int, float64) {
	s := float64(max(w, h)) / workMaxSide
	if s < 1 {
		s = 1
	}
	ww := max(1, int(math.Round(float64(w)/s)))
	hh := max(1, int(math.Round(float64(h)/s)))
	return ww, hh, s
}

// load fills the raster from a decoded image by box-averaging, which is both the
// fastest and the most faithful way to shrink a photo by a large factor.
// load fills the raster from a decoded image stored with EXIF orientation o
// (1–8; anything else is 1) and turns it upright, as a viewer shows it.
func (r *raster) load(img image.Image, o int) {
	r.loadStored(img)
	if o >= 2 && o <= 8 {
		r.orient(o)
	}
	r.buildGrey()
	r.buildHalf()
	r.buildGrid()
}

// loadStandard fills the raster from the standard photo (480×640, upright) for
// the checks judged on it: no half-size copy, as no face is searched for on it.
func (r *raster) loadStandard(img image.Image) {
	r.loadStored(img)
	r.buildGrey()
	r.half, r.hw, r.hh, r.halfFactor = r.half[:0], 0, 0, 0
	r.buildGrid()
}

func (r *raster) buildGrey() {
	if r.greyDone {
		return
	}
	n := r.w * r.h
	r.grey = grow(r.grey, n)
	grey, rgb := r.grey[:n], r.rgb[:3*n]
	for i := range grey {
		p := rgb[3*i : 3*i+3 : 3*i+3]
		grey[i] = lumaOf(p[0], p[1], p[2])
	}
}

// lumaOf is the grey value of an sRGB pixel (Rec. 601 weights, rounded). Unsigned:
// the same quotient, a cheaper division.
func lumaOf(R, G, B uint8) uint8 {
	// The weighted sum from tables (loads, where three multiplies queue for the
	// one multiplier they share with the division's).
	return uint8((lumaR[R] + lumaG[G] + lumaB[B]) / 1000)
}

// lumaR, lumaG, lumaB are 299·v + 500, 587·v and 114·v: lumaOf's weighted sum,
// its rounding term in the first.
var lumaR, lumaG, lumaB = func() (r, g, b [256]uint32) {
	for v := range uint32(256) {
		r[v], g[v], b[v] = 299*v+500, 587*v, 114*v
	}
	return
}()

// orient turns the (small) raster upright: cheaper than turning the decoded photo.
func (r *raster) orient(o int) {
	r.greyDone = false
	w, h := r.w, r.h
	src := append(r.tmp[:0], r.rgb...)
	r.tmp = src
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	for y := 0; y < dh; y++ {
		for x := 0; x < dw; x++ {
			sx, sy := storedPixel(o, x, y, w, h)
			si, di := (sy*w+sx)*3, (y*dw+x)*3
			r.rgb[di], r.rgb[di+1], r.rgb[di+2] = src[si], src[si+1], src[si+2]
		}
	}
	r.w, r.h = dw, dh
}

// storedPixel maps an upright pixel (x, y) to where an image of stored size w×h
// with EXIF orientation o keeps it.
func storedPixel(o, x, y, w, h int) (int, int) {
	switch o {
	case 2:
		return w - 1 - x, y
	case 3:
		return w - 1 - x, h - 1 - y
	case 4:
		return x, h - 1 - y
	case 5:
		return y, x
	case 6: // stored turned 90° anticlockwise: shown turned clockwise
		return y, h - 1 - x
	case 7:
		return w - 1 - y, h - 1 - x
	case 8:
		return w - 1 - y, x
	}
	return x, y
}

func (r *raster) loadStored(img image.Image) {
	b := img.Bounds()
	W, H := b.Dx(), b.Dy()
	r.w, r.h, r.scale = workSize(W, H)
	r.rgb = grow(r.rgb, r.w*r.h*3)
	r.isGreySrc, r.greyDone = false, false
	switch src := img.(type) {
	case *image.YCbCr:
		r.loadYCbCr(src)
	case *image.Gray:
		r.isGreySrc = true
		r.loadGray(src)
	default:
		r.loadGeneric(img)
	}
}

func (r *raster) buildHalf() {
	if min(r.w, r.h) < 300 {
		r.halfFactor, r.hw, r.hh = 1, r.w, r.h
		r.half = append(r.half[:0], r.grey...)
		return
	}
	r.halfFactor, r.hw, r.hh = 2, r.w/2, r.h/2
	r.half = grow(r.half, r.hw*r.hh)
	for y := 0; y < r.hh; y++ {
		a, b := r.grey[2*y*r.w:], r.grey[(2*y+1)*r.w:]
		for x := 0; x < r.hw; x++ {
			r.half[y*r.hw+x] = uint8((int(a[2*x]) + int(a[2*x+1]) + int(b[2*x]) + int(b[2*x+1]) + 2) / 4)
		}
	}
}

// span returns the source range [a, b) of work index i along an axis of n source pixels.
func span(i, n int, s float64) (int, int) {
	a := int(float64(i) * s)
	b := int(float64(i+1) * s)
	if b > n {
		b = n
	}
	if b <= a {
		b = min(a+1, n)
		if a >= n {
			a = n - 1
		}
	}
	return a, b
}

func (r *raster) loadYCbCr(src *image.YCbCr) {
	b := src.Bounds()
	W, H := b.Dx(), b.Dy()
	if W == r.w && H == r.h && src.SubsampleRatio == image.YCbCrSubsampleRatio420 && b.Min == (image.Point{}) {
		// The common upload: 4:2:0 at work size. Convert only, with the chroma
		// terms computed once per pair of pixels (color.YCbCrToRGB's arithmetic),
		// and buildGrey's luma of the converted pixel in the same pass.
		r.grey = grow(r.grey, W*H)
		for y := 0; y < H; y += 2 {
			// Rows y and y+1 share the chroma row: its terms computed once per
			// 2×2 block.
			y1 := min(y+1, H-1)
			yr0 := src.Y[y*src.YStride : y*src.YStride+W]
			yr1 := src.Y[y1*src.YStride : y1*src.YStride+W]
			crow := (y / 2) * src.CStride
			out0 := r.rgb[y*r.w*3 : (y+1)*r.w*3]
			out1 := r.rgb[y1*r.w*3 : (y1+1)*r.w*3]
			g0 := r.grey[y*W : (y+1)*W]
			g1 := r.grey[y1*W : (y1+1)*W]
			cbrow := src.Cb[crow : crow+(W+1)/2]
			crrow := src.Cr[crow : crow+(W+1)/2]
			for x := 0; x < W; x += 2 {
				cb1 := int32(cbrow[x/2]) - 128
				cr1 := int32(crrow[x/2]) - 128
				tr, tg, tb := 91881*cr1, -22554*cb1-46802*cr1, 116130*cb1
				yy := int32(yr0[x]) * 0x10101
				o := out0[3*x : 3*x+3 : 3*x+3]
				o[0], o[1], o[2] = clip16(yy+tr), clip16(yy+tg), clip16(yy+tb)
				g0[x] = lumaOf(o[0], o[1], o[2])
				yy = int32(yr1[x]) * 0x10101
				o = out1[3*x : 3*x+3 : 3*x+3]
				o[0], o[1], o[2] = clip16(yy+tr), clip16(yy+tg), clip16(yy+tb)
				g1[x] = lumaOf(o[0], o[1], o[2])
				if x+1 < W {
					yy = int32(yr0[x+1]) * 0x10101
					o = out0[3*x+3 : 3*x+6 : 3*x+6]
					o[0], o[1], o[2] = clip16(yy+tr), clip16(yy+tg), clip16(yy+tb)
					g0[x+1] = lumaOf(o[0], o[1], o[2])
					yy = int32(yr1[x+1]) * 0x10101
					o = out1[3*x+3 : 3*x+6 : 3*x+6]
					o[0], o[1], o[2] = clip16(yy+tr), clip16(yy+tg), clip16(yy+tb)
					g1[x+1] = lumaOf(o[0], o[1], o[2])
				}
			}
		}
		r.greyDone = true
		return
	}
	if W == r.w && H == r.h {
		// Already at work size: convert only.
		for y := 0; y < H; y++ {
			yi := (y+b.Min.Y-src.Rect.Min.Y)*src.YStride + (b.Min.X - src.Rect.Min.X)
			for x := 0; x < W; x++ {
				ci := src.COffset(x+b.Min.X, y+b.Min.Y)
				R, G, B := color.YCbCrToRGB(src.Y[yi+x], src.Cb[ci], src.Cr[ci])
				i := (y*r.w + x) * 3
				r.rgb[i], r.rgb[i+1], r.rgb[i+2] = R, G, B
			}
		}
		return
	}
	for oy := 0; oy < r.h; oy++ {
		y0, y1 := span(oy, H, r.scale)
		for ox := 0; ox < r.w; ox++ {
			x0, x1 := span(ox, W, r.scale)
			sy, n := boxSum(src.Y, src.YStride, src.YOffset(b.Min.X, b.Min.Y), x0, x1, y0, y1)
			// Chroma varies slowly; a sparse sample of the block is enough.
			var scb, scr, m int
			stepY := max(1, (y1-y0)/3)
			stepX := max(1, (x1-x0)/3)
			for y := y0; y < y1; y += stepY {
				for x := x0; x < x1; x += stepX {
					ci := src.COffset(x+b.Min.X, y+b.Min.Y)
					scb += int(src.Cb[ci])
					scr += int(src.Cr[ci])
					m++
				}
			}
			R, G, B := color.YCbCrToRGB(uint8((sy+n/2)/n), uint8((scb+m/2)/m), uint8((scr+m/2)/m))
			i := (oy*r.w + ox) * 3
			r.rgb[i], r.rgb[i+1], r.rgb[i+2] = R, G, B
		}
	}
}

// clip16 is v >> 16 clipped to a byte, as color.YCbCrToRGB does it.
func clip16(v int32) uint8 {
	if uint32(v)&0xff000000 == 0 {
		return uint8(v >> 16)
	}
	return uint8(^(v >> 31))
}

// boxSum adds the 8-bit samples of the box [x0,x1)×[y0,y1) of a plane whose pixel
// (0,0) of the bounds is at origin; it returns the sum and the count.
func boxSum(plane []byte, stride, origin, x0, x1, y0, y1 int) (sum, n int) {
	for y := y0; y < y1; y++ {
		row := plane[origin+y*stride:]
		for x := x0; x < x1; x++ {
			sum += int(row[x])
		}
	}
	return sum, (x1 - x0) * (y1 - y0)
}

func (r *raster) loadGray(src *image.Gray) {
	b := src.Bounds()
	W, H := b.Dx(), b.Dy()
	for oy := 0; oy < r.h; oy++ {
		y0, y1 := span(oy, H, r.scale)
		for ox := 0; ox < r.w; ox++ {
			x0, x1 := span(ox, W, r.scale)
			s, n := boxSum(src.Pix, src.Stride, src.PixOffset(b.Min.X, b.Min.Y), x0, x1, y0, y1)
			v := uint8((s + n/2) / n)
			i := (oy*r.w + ox) * 3
			r.rgb[i], r.rgb[i+1], r.rgb[i+2] = v, v, v
		}
	}
}

func (r *raster) loadGeneric(src image.Image) {
	b := src.Bounds()
	W, H := b.Dx(), b.Dy()
	for oy := 0; oy < r.h; oy++ {
		y0, y1 := span(oy, H, r.scale)
		for ox := 0; ox < r.w; ox++ {
			x0, x1 := span(ox, W, r.scale)
			var sr, sg, sb, n uint64
			for y := y0; y < y1; y++ {
				for x := x0; x < x1; x++ {
					cr, cg, cb, _ := src.At(x+b.Min.X, y+b.Min.Y).RGBA()
					sr += uint64(cr)
					sg += uint64(cg)
					sb += uint64(cb)
					n++
				}
			}
			i := (oy*r.w + ox) * 3
			r.rgb[i] = uint8(sr / n >> 8)
			r.rgb[i+1] = uint8(sg / n >> 8)
			r.rgb[i+2] = uint8(sb / n >> 8)
		}
	}
}

// colour tables shared read-only by every check (computed once at init, immutable).
var (
	srgbToLinear [256]float32
	labF         [labFSize + 1]float32
)

const labFSize = 4096

func init() {
	for i := range srgbToLinear {
		v := float64(i) / 255
		if v <= 0.04045 {
			v /= 12.92
		} else {
			v = math.Pow((v+0.055)/1.055, 2.4)
		}
		srgbToLinear[i] = float32(v)
	}
	for i := range labF {
		t := float64(i) / labFSize * 1.1
		if t > 0.008856 {
			labF[i] = float32(math.Cbrt(t))
		} else {
			labF[i] = float32(7.787*t + 16.0/116)
		}
	}
}

func fLab(t float32) float32 {
	x := t / 1.1 * labFSize
	if x <= 0 {
		return labF[0]
	}
	i := int(x)
	if i >= labFSize {
		return labF[labFSize]
	}
	f := x - float32(i)
	return labF[i]*(1-f) + labF[i+1]*f
}

// toLab converts 8-bit sRGB to CIE L*a*b* (D65).
func toLab(R, G, B uint8) (float32, float32, float32) {
	r, g, b := srgbToLinear[R], srgbToLinear[G], srgbToLinear[B]
	x := (0.4124*r + 0.3576*g + 0.1805*b) / 0.95047
	y := 0.2126*r + 0.7152*g + 0.0722*b
	z := (0.0193*r + 0.1192*g + 0.9505*b) / 1.08883
	fx, fy, fz := fLab(x), fLab(y), fLab(z)
	return 116*fy - 16, 500 * (fx - fy), 200 * (fy - fz)
}

// toHSV returns hue in degrees, saturation and value in [0,1].
func toHSV(R, G, B uint8) (float32, float32, float32) {
	r, g, b := float32(R)/255, float32(G)/255, float32(B)/255
	mx := max(r, g, b)
	mn := min(r, g, b)
	d := mx - mn
	var h float32
	switch {
	case d == 0:
		h = 0
	case mx == r:
		h = 60 * ((g - b) / d)
		if h < 0 {
			h += 360
		}
	case mx == g:
		h = 60 * (2 + (b-r)/d)
	default:
		h = 60 * (4 + (r-g)/d)
	}
	var s float32
	if mx > 0 {
		s = d / mx
	}
	return h, s, mx
}

func (r *raster) buildGrid() {
	r.gw, r.gh = max(1, r.w/2), max(1, r.h/2)
	n := r.gw * r.gh
	r.lab = grow(r.lab, n*3)
	r.grgb = grow(r.grgb, n*3)
	r.bg = grow(r.bg, n)
	// Neighbouring grid pixels of a plain background or of skin often have the
	// same colour: a small cache of converted colours skips most conversions
	// (exact: the cached value is what toLab returned for that colour).
	cache := &r.labCache
	for i := range cache {
		cache[i].key = noLabKey
	}
	for gy := 0; gy < r.gh; gy++ {
		// The 2×2 block at (2gx, 2gy), its last row and column repeated at an
		// odd edge.
		row0 := r.rgb[gy*2*r.w*3 : (gy*2+1)*r.w*3]
		y1 := min(gy*2+1, r.h-1)
		row1 := r.rgb[y1*r.w*3 : (y1+1)*r.w*3]
		lab := r.lab[gy*r.gw*3 : (gy+1)*r.gw*3]
		grgb := r.grgb[gy*r.gw*3 : (gy+1)*r.gw*3]
		for gx := 0; gx < r.gw; gx++ {
			var R, G, B uint8
			if i0 := gx * 2 * 3; r.w >= 2 {
				// gw is w/2, so the block's second column is always in the row.
				p, q := row0[i0:i0+6:i0+6], row1[i0:i0+6:i0+6]
				R = uint8((uint(p[0]) + uint(p[3]) + uint(q[0]) + uint(q[3])) / 4)
				G = uint8((uint(p[1]) + uint(p[4]) + uint(q[1]) + uint(q[4])) / 4)
				B = uint8((uint(p[2]) + uint(p[5]) + uint(q[2]) + uint(q[5])) / 4)
			} else {
				i1 := min(gx*2+1, r.w-1) * 3
				R = uint8((uint(row0[i0]) + uint(row0[i1]) + uint(row1[i0]) + uint(row1[i1])) / 4)
				G = uint8((uint(row0[i0+1]) + uint(row0[i1+1]) + uint(row1[i0+1]) + uint(row1[i1+1])) / 4)
				B = uint8((uint(row0[i0+2]) + uint(row0[i1+2]) + uint(row1[i0+2]) + uint(row1[i1+2])) / 4)
			}
			j := gx * 3
			key := uint32(R)<<16 | uint32(G)<<8 | uint32(B)
			e := &cache[(key^key>>11^key>>17)&(labCacheSize-1)]
			if e.key != key {
				e.key = key
				e.l, e.a, e.b = toLab(R, G, B)
			}
			lab[j], lab[j+1], lab[j+2] = e.l, e.a, e.b
			grgb[j], grgb[j+1], grgb[j+2] = R, G, B
		}
	}
}

const labCacheSize = 4096

// noLabKey marks an empty cache entry: no 24-bit colour has it.
const noLabKey = 1 << 31

type labEntry struct {
	key     uint32
	l, a, b float32
}

// labAt returns the L*a*b* of grid pixel (x, y).
func (r *raster) labAt(x, y int) (float32, float32, float32) {
	j := (y*r.gw + x) * 3
	return r.lab[j], r.lab[j+1], r.lab[j+2]
}
