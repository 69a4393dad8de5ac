package corpusgen

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
)

// RotateQuarter turns the image clockwise by quarter turns: a screenshot saved or
// shared sideways.
func RotateQuarter(src *image.RGBA, turns int) *image.RGBA {
	turns = ((turns % 4) + 4) % 4
	w, h := src.Rect.Dx(), src.Rect.Dy()
	if turns == 0 {
		return src
	}
	dw, dh := w, h
	if turns%2 == 1 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < dh; y++ {
		for x := 0; x < dw; x++ {
			var sx, sy int
			switch turns {
			case 1: // clockwise: dst(x,y) = src(y, h-1-x)
				sx, sy = y, h-1-x
			case 2:
				sx, sy = w-1-x, h-1-y
			case 3:
				sx, sy = w-1-y, x
			}
			dst.SetRGBA(x, y, src.RGBAAt(sx, sy))
		}
	}
	return dst
}

// Resize scales with bilinear interpolation (what WeChat's image compression does
// before re-encoding, roughly).
func Resize(src *image.RGBA, w, h int) *image.RGBA {
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	for y := 0; y < h; y++ {
		fy := (float64(y)+0.5)*float64(sh)/float64(h) - 0.5
		for x := 0; x < w; x++ {
			fx := (float64(x)+0.5)*float64(sw)/float64(w) - 0.5
			dst.SetRGBA(x, y, bilinear(src, fx, fy, color.RGBA{}))
		}
	}
	return dst
}

func bilinear(src *image.RGBA, fx, fy float64, outside color.RGBA) color.RGBA {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	if fx < -0.5 || fy < -0.5 || fx > float64(w)-0.5 || fy > float64(h)-0.5 {
		return outside
	}
	x0, y0 := int(math.Floor(fx)), int(math.Floor(fy))
	tx, ty := fx-float64(x0), fy-float64(y0)
	at := func(x, y int) color.RGBA {
		return src.RGBAAt(min(max(x, 0), w-1), min(max(y, 0), h-1))
	}
	a, b, c, d := at(x0, y0), at(x0+1, y0), at(x0, y0+1), at(x0+1, y0+1)
	ch := func(a, b, c, d uint8) uint8 {
		v := (float64(a)*(1-tx)+float64(b)*tx)*(1-ty) + (float64(c)*(1-tx)+float64(d)*tx)*ty
		return uint8(math.Round(v))
	}
	return color.RGBA{ch(a.R, b.R, c.R, d.R), ch(a.G, b.G, c.G, d.G), ch(a.B, b.B, c.B, d.B), 0xFF}
}

// Photo describes photographing a phone screen with another phone.
type Photo struct {
	Width, Height int           // camera frame
	Corners       [4][2]float64 // where the screen's corners land (TL, TR, BR, BL), in frame pixels
	Blur          int           // box-blur radius, applied twice (≈ Gaussian)
	Noise         float64       // sensor noise, standard deviation in grey levels
	Moire         bool          // the screen's pixel grid, aliased by the camera
	Dim           float64       // 0..1: how much darker and flatter the screen looks
	Seed          uint64
	// post, when set, changes the optical image before lighting and noise (defocus, glare).
	post func(*image.RGBA) *image.RGBA
}

// Apply renders the photo of the screen.
func (p Photo) Apply(screen *image.RGBA) *image.RGBA {
	rng := rand.New(rand.NewPCG(p.Seed, 7))
	src := screen
	if p.Moire {
		// Dark gaps between the screen's pixel rows and columns, every 3 px: resampling
		// them at a slightly different pitch gives the interference bands of a real photo.
		src = image.NewRGBA(screen.Rect)
		copy(src.Pix, screen.Pix)
		for y := 0; y < src.Rect.Dy(); y++ {
			for x := 0; x < src.Rect.Dx(); x++ {
				if x%3 == 2 || y%3 == 2 {
					c := src.RGBAAt(x, y)
					src.SetRGBA(x, y, color.RGBA{c.R * 5 / 8, c.G * 5 / 8, c.B * 5 / 8, 0xFF})
				}
			}
		}
	}
	sw, sh := float64(src.Rect.Dx()), float64(src.Rect.Dy())
	hm := homography([4][2]float64{{0, 0}, {sw, 0}, {sw, sh}, {0, sh}}, p.Corners)
	desk := color.RGBA{0x6B, 0x5A, 0x48, 0xFF}
	dst := image.NewRGBA(image.Rect(0, 0, p.Width, p.Height))
	for y := 0; y < p.Height; y++ {
		for x := 0; x < p.Width; x++ {
			X, Y := float64(x)+0.5, float64(y)+0.5
			d := hm[6]*X + hm[7]*Y + hm[8]
			fx := (hm[0]*X+hm[1]*Y+hm[2])/d - 0.5
			fy := (hm[3]*X+hm[4]*Y+hm[5])/d - 0.5
			dst.SetRGBA(x, y, bilinear(src, fx, fy, desk))
		}
	}
	for i := 0; i < 2 && p.Blur > 0; i++ {
		dst = boxBlur(dst, p.Blur)
	}
	if p.post != nil {
		dst = p.post(dst)
	}
	// Lighting: a gradient across the frame, dimming and flattening, then noise.
	for y := 0; y < p.Height; y++ {
		for x := 0; x < p.Width; x++ {
			g := 1 - 0.25*float64(x+y)/float64(p.Width+p.Height)
			c := dst.RGBAAt(x, y)
			ch := func(v uint8) uint8 {
				f := float64(v)*g*(1-0.45*p.Dim) + 40*p.Dim + rng.NormFloat64()*p.Noise
				return uint8(min(max(math.Round(f), 0), 255))
			}
			dst.SetRGBA(x, y, color.RGBA{ch(c.R), ch(c.G), ch(c.B), 0xFF})
		}
	}
	return dst
}

// homography returns the 3×3 matrix (row-major) that maps frame points back to
// screen points, given where the screen's corners land in the frame.
func homography(screen, frame [4][2]float64) [9]float64 {
	// Solve for h in: u = (h0 x + h1 y + h2)/(h6 x + h7 y + 1), v likewise, with
	// (x, y) in the frame and (u, v) on the screen.
	var a [8][9]float64
	for i := 0; i < 4; i++ {
		x, y := frame[i][0], frame[i][1]
		u, v := screen[i][0], screen[i][1]
		a[2*i] = [9]float64{x, y, 1, 0, 0, 0, -u * x, -u * y, u}
		a[2*i+1] = [9]float64{0, 0, 0, x, y, 1, -v * x, -v * y, v}
	}
	for c := 0; c < 8; c++ { // Gauss-Jordan with partial pivoting
		p := c
		for r := c + 1; r < 8; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		a[c], a[p] = a[p], a[c]
		for r := 0; r < 8; r++ {
			if r != c {
				f := a[r][c] / a[c][c]
				for k := c; k < 9; k++ {
					a[r][k] -= f * a[c][k]
				}
			}
		}
	}
	var h [9]float64
	for i := 0; i < 8; i++ {
		h[i] = a[i][8] / a[i][i]
	}
	h[8] = 1
	return h
}

// boxBlur averages each channel over a (2r+1)-wide window, horizontally then
// vertically; at the edges the window shrinks to the pixels inside the image.
// Running sums: O(1) a pixel whatever r.
func boxBlur(src *image.RGBA, r int) *image.RGBA {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	tmp := image.NewRGBA(src.Rect)
	dst := image.NewRGBA(src.Rect)
	// pass blurs n samples spaced stride apart starting at off, for each of m lines.
	pass := func(from, to []uint8, n, m, stride, lineStride int) {
		for j := 0; j < m; j++ {
			base := j * lineStride
			var s [3]int
			cnt := 0
			for k := 0; k <= min(r, n-1); k++ {
				for c := 0; c < 3; c++ {
					s[c] += int(from[base+k*stride+c])
				}
				cnt++
			}
			for i := 0; i < n; i++ {
				o := base + i*stride
				to[o], to[o+1], to[o+2], to[o+3] = uint8(s[0]/cnt), uint8(s[1]/cnt), uint8(s[2]/cnt), 0xFF
				if add := i + r + 1; add < n {
					for c := 0; c < 3; c++ {
						s[c] += int(from[base+add*stride+c])
					}
					cnt++
				}
				if sub := i - r; sub >= 0 {
					for c := 0; c < 3; c++ {
						s[c] -= int(from[base+sub*stride+c])
					}
					cnt--
				}
			}
		}
	}
	pass(src.Pix, tmp.Pix, w, h, 4, src.Stride)
	pass(tmp.Pix, dst.Pix, h, w, tmp.Stride, 4)
	return dst
}

// JPEG encodes at the given quality. With orientation ≠ 0 it stores the pixels turned
// so that a viewer applying that EXIF orientation shows img upright, and writes the
// EXIF segment, as a phone camera does.
func JPEG(img *image.RGBA, quality, orientation int) ([]byte, error) {
	stored := img
	switch orientation {
	case 0, 1:
	case 3:
		stored = RotateQuarter(img, 2)
	case 6: // viewer turns clockwise, so store counter-clockwise
		stored = RotateQuarter(img, 3)
	case 8:
		stored = RotateQuarter(img, 1)
	default:
		panic("corpusgen: unsupported orientation")
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, stored, &jpeg.Options{Quality: quality}); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	if orientation <= 1 {
		return b, nil
	}
	// APP1 "Exif": big-endian TIFF header, IFD0 with the one Orientation entry.
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08\x00\x01")
	entry := make([]byte, 12)
	binary.BigEndian.PutUint16(entry[0:], 0x0112)
	binary.BigEndian.PutUint16(entry[2:], 3)
	binary.BigEndian.PutUint32(entry[4:], 1)
	binary.BigEndian.PutUint16(entry[8:], uint16(orientation))
	tiff = append(tiff, entry...)
	tiff = append(tiff, 0, 0, 0, 0) // no next IFD
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	seg = append(seg, payload...)
	out := append([]byte{}, b[:2]...)
	out = append(out, seg...)
	return append(out, b[2:]...), nil
}

// PNG encodes losslessly; paletted quantises to the screen's few colours first, as
// screenshot tools often do, which keeps flat UI small.
func PNG(img image.Image, paletted bool) ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if paletted {
		img = toPaletted(img)
	}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func toPaletted(img image.Image) *image.Paletted {
	b := img.Bounds()
	var pal color.Palette
	index := map[color.RGBA]uint8{}
	out := image.NewPaletted(b, nil)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			i, ok := index[c]
			if !ok {
				if len(pal) == 256 {
					i = uint8(pal.Index(c))
				} else {
					i = uint8(len(pal))
					pal = append(pal, c)
					index[c] = i
				}
			}
			out.Pix[out.PixOffset(x, y)] = i
		}
	}
	out.Palette = pal
	return out
}
