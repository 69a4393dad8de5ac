package photo

import (
	"bytes"
	"fmt"
	"image"
	"math"

	"github.com/gradphoto/gradphoto/internal/jpegscale"
)

// Standard is how an upload became the 480×640 standard photo (photo-spec.md,
// "Standard crop"). Crop is the window in the upright original's pixels; Scale is
// standard pixels per original pixel (≤ the profile's max_upscale).
type Standard struct {
	Standardized bool    `json:"standardized"`
	Crop         [4]int  `json:"crop"` // x, y, w, h
	Scale        float64 `json:"scale"`
	JPEG         []byte  `json:"-"` // the standard photo's bytes, when Standardized
}

// The standard photo's size and JPEG quality.
const (
	StandardWidth   = 480
	StandardHeight  = 640
	standardQuality = 95
)

// head is what the crop is chosen from, in upright original pixels.
type head struct {
	top, chin, eyes float64 // rows
	centre          float64 // column of the face's centre
	faceWidth       float64
}

// cropProblem says why no standard window exists; the geometry check it names
// fails with its message.
type cropProblem struct {
	check string
	msg   string
	// minHead is the smallest head (hair top to chin) in original pixels that a
	// standard crop of this photo needs, when the face is too small.
	minHead int
}

// bandMargin keeps the chosen window this share of each band's width away from
// its edges, so the measurements on the standard photo, taken afresh, land inside.
// When no window keeps that margin, one keeping edgeMargin is taken: a 2寸 file
// whose head fills 0.60 of its full-width window is inside the standard's
// 0.42–0.62, and refusing it for a margin would be the wrong answer; the smaller
// margin still keeps a window off the very edge of a band, where a measurement
// taken afresh could fall either side.
const (
	bandMargin = 0.12
	edgeMargin = 0.04
)

type band struct{ lo, hi float64 }

func shrinkBy(lo, hi, margin float64) band {
	m := (hi - lo) * margin
	return band{lo + m, hi - m}
}

// window is a crop in upright original pixels; h is a multiple of 4 so w = 3h/4 exactly.
type window struct{ x, y, w, h int }

// relax lists the image-edge constraints a search may ignore, to name the one
// that makes a crop impossible.
type relax struct{ upscale, top, bottom, sides bool }

// chooseWindow finds the 3:4 window nearest to the aim (head height std_head_height
// of the frame, hair top at std_head_top, face centred) whose head height, hair top,
// eye line, face width and centring all lie inside their bands, inside the W×H
// original and scaled up by at most max_upscale. ok is false when none exists.
func chooseWindow(hd head, W, H int, p Profile, rx relax) (window, bool) {
	if w, ok := chooseWindowWithin(hd, W, H, p, rx, bandMargin); ok {
		return w, true
	}
	return chooseWindowWithin(hd, W, H, p, rx, edgeMargin)
}

// chooseWindowWithin is chooseWindow with the bands shrunk by margin of their width.
func chooseWindowWithin(hd head, W, H int, p Profile, rx relax, margin float64) (window, bool) {
	aspect := float64(StandardWidth) / StandardHeight
	hh := shrinkBy(p.MinHeadHeight, p.MaxHeadHeight, margin)
	ht := shrinkBy(p.MinHeadTop, p.MaxHeadTop, margin)
	el := shrinkBy(p.MinEyeLine, p.MaxEyeLine, margin)
	fw := shrinkBy(p.MinFaceWidth, p.MaxFaceWidth, margin)
	co := p.MaxCenterOffset * (1 - 2*margin)
	headH := hd.chin - hd.top
	if headH <= 0 || hd.faceWidth <= 0 {
		return window{}, false
	}
	lo := math.Max(headH/hh.hi, hd.faceWidth/(fw.hi*aspect))
	hi := math.Min(headH/hh.lo, hd.faceWidth/(fw.lo*aspect))
	if !rx.upscale {
		lo = math.Max(lo, StandardHeight/p.MaxUpscale)
	}
	if !rx.top && !rx.bottom {
		hi = math.Min(hi, float64(H))
	}
	if !rx.sides {
		hi = math.Min(hi, float64(W)/aspect)
	}
	lo4, hi4 := int(math.Ceil(lo/4))*4, int(math.Floor(hi/4))*4
	if lo4 > hi4 {
		return window{}, false
	}
	aim := int(math.Round(headH/p.StdHeadHeight/4)) * 4
	aim = min(max(aim, lo4), hi4)
	// Nearest height first, alternating above and below the aim.
	for d := 0; aim-d >= lo4 || aim+d <= hi4; d += 4 {
		for _, h := range []int{aim - d, aim + d} {
			if h < lo4 || h > hi4 || (d == 0 && h != aim) {
				continue
			}
			if w, ok := placeWindow(hd, W, H, h, p, ht, el, co, rx); ok {
				return w, true
			}
			if d == 0 {
				break
			}
		}
	}
	return window{}, false
}

// placeWindow positions a window of height h: the rows and columns the bands and
// the original allow, then the ones nearest the aim.
func placeWindow(hd head, W, H, h int, p Profile, ht, el band, co float64, rx relax) (window, bool) {
	fh := float64(h)
	w := h * 3 / 4
	fw := float64(w)
	topLo := math.Max(hd.top-ht.hi*fh, hd.eyes-el.hi*fh)
	topHi := math.Min(hd.top-ht.lo*fh, hd.eyes-el.lo*fh)
	if !rx.top {
		topLo = math.Max(topLo, 0)
	}
	if !rx.bottom {
		topHi = math.Min(topHi, float64(H-h))
	}
	leftLo := hd.centre - fw/2 - co*fw
	leftHi := hd.centre - fw/2 + co*fw
	if !rx.sides {
		leftLo = math.Max(leftLo, 0)
		leftHi = math.Min(leftHi, float64(W-w))
	}
	y0, y1 := int(math.Ceil(topLo)), int(math.Floor(topHi))
	x0, x1 := int(math.Ceil(leftLo)), int(math.Floor(leftHi))
	if y0 > y1 || x0 > x1 {
		return window{}, false
	}
	y := min(max(int(math.Round(hd.top-p.StdHeadTop*fh)), y0), y1)
	x := min(max(int(math.Round(hd.centre-fw/2)), x0), x1)
	return window{x, y, w, h}, true
}

// diagnose names why chooseWindow found nothing: the single image constraint
// whose removal makes a window possible, checked in the order a student can act on.
func diagnose(hd head, W, H int, p Profile) cropProblem {
	headH := hd.chin - hd.top
	if _, ok := chooseWindow(hd, W, H, p, relax{upscale: true}); ok {
		// The smallest head the resolution allows: half of the smallest window.
		need := int(math.Ceil(StandardHeight / p.MaxUpscale * shrinkBy(p.MinHeadHeight, p.MaxHeadHeight, edgeMargin).lo))
		return cropProblem{check: CheckFaceWidth, minHead: need,
			msg: fmt.Sprintf("人像在照片中太小（头部约%d像素高，至少需要%d像素），无法生成清晰的标准照：请靠近一些重新拍摄，或上传手机拍摄的原图", int(headH), need)}
	}
	if _, ok := chooseWindow(hd, W, H, p, relax{top: true}); ok {
		return cropProblem{check: CheckHeadTop, msg: "头顶离照片上边缘太近（或被截掉），无法裁出标准照：请重新拍摄，头顶上方留出一些背景"}
	}
	if _, ok := chooseWindow(hd, W, H, p, relax{bottom: true}); ok {
		return cropProblem{check: CheckHeadHeight, msg: "照片下方截得太多，下巴或肩膀被截掉了：请重新拍摄，拍到双肩"}
	}
	if _, ok := chooseWindow(hd, W, H, p, relax{sides: true}); ok {
		if math.Abs(hd.centre-float64(W)/2) <= p.MaxCenterOffset*float64(W) {
			// Centred, yet the window needs more width than the photo has: the
			// head is too big for a photo this narrow (a 2寸 file cut close).
			return cropProblem{check: CheckHeadHeight, msg: "头部在照片中占得太大，左右留的背景太少，无法裁出3:4的标准照：请上传头部周围留有更多背景的照片（例如手机拍摄的原图）"}
		}
		return cropProblem{check: CheckFaceCentered, msg: "头部太靠近照片左右边缘，无法裁出居中的标准照：请重新拍摄，人站在画面正中"}
	}
	if _, ok := chooseWindow(hd, W, H, p, relax{upscale: true, top: true, bottom: true, sides: true}); ok {
		return cropProblem{check: CheckHeadHeight, msg: "人像离镜头太近，头部和肩膀没有完整拍进照片：请离镜头远一些重新拍摄，头顶上方和肩膀都要留出空间"}
	}
	return cropProblem{check: CheckHeadHeight, msg: "未能从照片中裁出符合标准的头像（头部比例异常）：请正对镜头重新拍摄"}
}

// render resamples window win of the upright original into the 480×640 standard
// photo, from img, the fullW×fullH original (as stored) decoded at 1/denom of its
// size. Only a crop and a resize: no colour change, no smoothing beyond the
// resampling filter, nothing painted.
func render(img image.Image, o int, win window, fullW, fullH, denom int, scratch *[]float32) (image.Image, error) {
	// Resample in stored orientation (the window mapped back), then turn the
	// small result upright.
	sw, sh := img.Bounds().Dx(), img.Bounds().Dy()
	ix, iy, iw, ih := storedRect(o, win, fullW, fullH)
	k := 1 / float64(denom)
	sx, sy, sWw, sWh := float64(ix)*k, float64(iy)*k, float64(iw)*k, float64(ih)*k
	ow, oh := StandardWidth, StandardHeight
	if o >= 5 {
		ow, oh = oh, ow
	}
	var out image.Image
	switch src := img.(type) {
	case *image.YCbCr:
		// 4:2:0, as the JPEG encoder stores it anyway: the chroma is resampled
		// once, straight to half size, instead of to full size and then halved.
		dst := image.NewYCbCr(image.Rect(0, 0, ow, oh), image.YCbCrSubsampleRatio420)
		b := src.Bounds()
		cw, ch := chromaFactor(src.SubsampleRatio)
		resamplePlane(src.Y[src.YOffset(b.Min.X, b.Min.Y):], src.YStride, sw, sh, sx, sy, sWw, sWh, dst.Y, ow, oh, scratch)
		cOff := src.COffset(b.Min.X, b.Min.Y)
		csw, csh := (sw+cw-1)/cw, (sh+ch-1)/ch
		fx, fy := sx/float64(cw), sy/float64(ch)
		fw, fh := sWw/float64(cw), sWh/float64(ch)
		resamplePlane(src.Cb[cOff:], src.CStride, csw, csh, fx, fy, fw, fh, dst.Cb, ow/2, oh/2, scratch)
		resamplePlane(src.Cr[cOff:], src.CStride, csw, csh, fx, fy, fw, fh, dst.Cr, ow/2, oh/2, scratch)
		out = uprightYCbCr(dst, o)
	case *image.Gray:
		dst := image.NewGray(image.Rect(0, 0, ow, oh))
		b := src.Bounds()
		resamplePlane(src.Pix[src.PixOffset(b.Min.X, b.Min.Y):], src.Stride, sw, sh, sx, sy, sWw, sWh, dst.Pix, ow, oh, scratch)
		out = uprightGray(dst, o)
	default:
		return nil, fmt.Errorf("photo: standard from %T", img)
	}
	return out, nil
}

func encodeStandard(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(96 << 10)
	if err := jpegscale.Encode(&buf, img, &jpegscale.Options{Quality: standardQuality}); err != nil {
		return nil, fmt.Errorf("photo: encode standard: %w", err)
	}
	return buf.Bytes(), nil
}

func chromaFactor(r image.YCbCrSubsampleRatio) (int, int) {
	switch r {
	case image.YCbCrSubsampleRatio422:
		return 2, 1
	case image.YCbCrSubsampleRatio420:
		return 2, 2
	case image.YCbCrSubsampleRatio440:
		return 1, 2
	case image.YCbCrSubsampleRatio411:
		return 4, 1
	case image.YCbCrSubsampleRatio410:
		return 4, 2
	}
	return 1, 1
}

// storedRect maps an upright window to the stored image of size sw×sh.
func storedRect(o int, win window, sw, sh int) (x, y, w, h int) {
	ax, ay := storedPixel(o, win.x, win.y, sw, sh)
	bx, by := storedPixel(o, win.x+win.w-1, win.y+win.h-1, sw, sh)
	return min(ax, bx), min(ay, by), abs(bx-ax) + 1, abs(by-ay) + 1
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// resamplePlane resizes the region (x, y, w, h) of an 8-bit plane (sw×sh samples,
// row stride) to ow×oh into dst (stride ow), separably: each output sample is the
// area average of the source it covers when shrinking (what a camera sensor of
// that resolution would have seen), bilinear when enlarging. scratch holds the
// horizontal pass (kept between calls: every sample of it is written before read).
func resamplePlane(src []byte, stride, sw, sh int, x, y, w, h float64, dst []byte, ow, oh int, scratch *[]float32) {
	cols := areaWeights(x, w, sw, ow)
	rows := areaWeights(y, h, sh, oh)
	r0, r1 := rows.span()
	*scratch = grow(*scratch, (r1-r0)*ow)
	tmp := *scratch
	if cols.n == 2 {
		// Enlarging (the usual standard crop): two taps, the generic loop's
		// arithmetic unrolled, float32 rounding after each step kept; two source
		// rows at a time, sharing every output's taps and weights (an odd last
		// row is paired with itself: the same sums written twice).
		for sy := r0; sy < r1; sy += 2 {
			sy1 := min(sy+1, r1-1)
			l0 := src[sy*stride : sy*stride+sw]
			l1 := src[sy1*stride : sy1*stride+sw]
			t0 := tmp[(sy-r0)*ow : (sy-r0+1)*ow]
			t1 := tmp[(sy1-r0)*ow : (sy1-r0+1)*ow]
			t1 = t1[:len(t0)]
			for ox := range t0 {
				s := cols.start[ox]
				p0 := l0[s : s+2 : s+2]
				p1 := l1[s : s+2 : s+2]
				w := cols.w[2*ox : 2*ox+2 : 2*ox+2]
				w0, w1 := w[0], w[1]
				t0[ox] = float32(w0*byteFloat[p0[0]]) + float32(w1*byteFloat[p0[1]])
				t1[ox] = float32(w0*byteFloat[p1[0]]) + float32(w1*byteFloat[p1[1]])
			}
		}
	} else {
		for sy := r0; sy < r1; sy++ {
			line := src[sy*stride : sy*stride+sw]
			t := tmp[(sy-r0)*ow : (sy-r0+1)*ow]
			for ox := range t {
				ws := cols.w[ox*cols.n : (ox+1)*cols.n]
				px := line[cols.start[ox] : cols.start[ox]+cols.n]
				var v float32
				for k, wt := range ws {
					v += wt * byteFloat[px[k]]
				}
				t[ox] = v
			}
		}
	}
	acc := make([]float32, ow)
	for oy := 0; oy < oh; oy++ {
		d := dst[oy*ow : oy*ow+ow]
		ws := rows.w[oy*rows.n : (oy+1)*rows.n]
		if rows.n == 2 {
			// Same sums as below: a zero weight adds an exact zero.
			a := tmp[(rows.start[oy]-r0)*ow : (rows.start[oy]-r0+1)*ow]
			b := tmp[(rows.start[oy]+1-r0)*ow : (rows.start[oy]+2-r0)*ow]
			w0, w1 := ws[0], ws[1]
			a, b = a[:len(d)], b[:len(d)]
			for ox := range d {
				v := float32(w0*a[ox]) + float32(w1*b[ox])
				d[ox] = roundByte(v)
			}
			continue
		}
		clear(acc)
		for k, wt := range ws {
			if wt == 0 {
				continue
			}
			t := tmp[(rows.start[oy]+k-r0)*ow : (rows.start[oy]+k-r0+1)*ow]
			for ox, v := range t {
				acc[ox] += wt * v
			}
		}
		for ox, v := range acc {
			d[ox] = roundByte(v)
		}
	}
}

// roundByte is uint8(min(255, max(0, v+0.5))) for a v that is not NaN, without
// the NaN and signed-zero handling of the float min and max builtins, which the
// compiler cannot turn into single instructions.
func roundByte(v float32) uint8 {
	v += 0.5
	if v < 0 {
		v = 0
	}
	if v > 255 {
		v = 255
	}
	return uint8(v)
}

// byteFloat is float32(i) for every byte: a table read instead of a conversion
// instruction, which on amd64 waits on the previous result in its register.
var byteFloat = func() (t [256]float32) {
	for i := range t {
		t[i] = float32(i)
	}
	return t
}()

// weights are a filter's taps: output i reads n source samples from start[i], with
// w[i*n : (i+1)*n] (zero-padded, always inside the source).
type weights struct {
	start []int
	n     int
	w     []float32
}

func (ws weights) span() (int, int) {
	lo, hi := ws.start[0], 0
	for _, s := range ws.start {
		lo = min(lo, s)
		hi = max(hi, s+ws.n)
	}
	return lo, hi
}

// areaWeights maps out samples onto the source span [off, off+length) of n samples.
func areaWeights(off, length float64, n, out int) weights {
	step := length / float64(out)
	taps := make([][2]float64, 0, 16) // (source index, weight) of one output
	// Every output's normalised taps in one slice (one allocation, not one per
	// output): output i's are flat[at[i]:at[i+1]].
	flat := make([][2]float64, 0, out*(int(step)+2))
	at := make([]int, out+1)
	maxN := 1
	for i := 0; i < out; i++ {
		taps = taps[:0]
		if step >= 1 {
			a := off + float64(i)*step
			b := a + step
			for s := max(0, int(math.Floor(a))); s < min(n, int(math.Ceil(b))); s++ {
				if wt := math.Min(b, float64(s+1)) - math.Max(a, float64(s)); wt > 1e-9 {
					taps = append(taps, [2]float64{float64(s), wt})
				}
			}
		} else { // enlarging: linear between the two nearest sample centres
			c := off + (float64(i)+0.5)*step - 0.5
			s := int(math.Floor(c))
			f := c - float64(s)
			taps = append(taps, [2]float64{float64(min(max(s, 0), n-1)), 1 - f}, [2]float64{float64(min(max(s+1, 0), n-1)), f})
		}
		var sum float64
		for _, t := range taps {
			sum += t[1]
		}
		for _, t := range taps {
			flat = append(flat, [2]float64{t[0], t[1] / sum})
		}
		at[i+1] = len(flat)
		p := flat[at[i]:at[i+1]]
		maxN = max(maxN, int(p[len(p)-1][0]-p[0][0])+1)
	}
	maxN = min(maxN, n)
	ws := weights{start: make([]int, out), n: maxN, w: make([]float32, out*maxN)}
	for i := range out {
		p := flat[at[i]:at[i+1]]
		start := min(int(p[0][0]), n-maxN)
		ws.start[i] = start
		for _, t := range p {
			ws.w[i*maxN+int(t[0])-start] += float32(t[1])
		}
	}
	return ws
}

// uprightYCbCr turns a 4:2:0 image (even sides) stored with orientation o upright.
func uprightYCbCr(m *image.YCbCr, o int) *image.YCbCr {
	if o < 2 || o > 8 {
		return m
	}
	w, h := m.Rect.Dx(), m.Rect.Dy()
	y, dw, dh := orientPlane(m.Y, w, h, o)
	cb, cdw, _ := orientPlane(m.Cb, w/2, h/2, o)
	cr, _, _ := orientPlane(m.Cr, w/2, h/2, o)
	return &image.YCbCr{Y: y, Cb: cb, Cr: cr, YStride: dw, CStride: cdw,
		SubsampleRatio: image.YCbCrSubsampleRatio420, Rect: image.Rect(0, 0, dw, dh)}
}

func uprightGray(m *image.Gray, o int) *image.Gray {
	if o < 2 || o > 8 {
		return m
	}
	pix, dw, dh := orientPlane(m.Pix, m.Rect.Dx(), m.Rect.Dy(), o)
	return &image.Gray{Pix: pix, Stride: dw, Rect: image.Rect(0, 0, dw, dh)}
}

// orientPlane turns a w×h plane (stride w) stored with orientation o upright.
func orientPlane(src []byte, w, h, o int) ([]byte, int, int) {
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	out := make([]byte, dw*dh)
	for y := 0; y < dh; y++ {
		for x := 0; x < dw; x++ {
			sx, sy := storedPixel(o, x, y, w, h)
			out[y*dw+x] = src[sy*w+sx]
		}
	}
	return out, dw, dh
}
