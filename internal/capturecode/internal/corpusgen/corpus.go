package corpusgen

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/skip2/go-qrcode"
)

// Case is one corpus image and what decoding it must give.
type Case struct {
	File    string   `json:"file"`
	Payload string   `json:"payload"` // empty: the image holds no QR code
	Tags    []string `json:"tags"`
	Data    []byte   `json:"-"`
}

// payload makes an opaque test payload of n characters from a seed.
func payload(seed uint64, n int, alphabet string) string {
	rng := rand.New(rand.NewPCG(seed, 42))
	var b strings.Builder
	a := []rune(alphabet)
	for b.Len() < n {
		b.WriteRune(a[rng.IntN(len(a))])
	}
	return b.String()
}

const (
	alnum  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	hexa   = "0123456789abcdef"
	b64url = alnum + "-_"
)

// Generate draws every corpus case.
func Generate() ([]Case, error) {
	var cases []Case
	add := func(file, payload string, tags []string, data []byte, err error) error {
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		cases = append(cases, Case{File: file, Payload: payload, Tags: tags, Data: data})
		return nil
	}
	type shot struct {
		file string
		tags []string
		scr  Screen
		// out encodes the drawn screen.
		out func(*image.RGBA) ([]byte, error)
	}
	jpg := func(q int) func(*image.RGBA) ([]byte, error) {
		return func(m *image.RGBA) ([]byte, error) { return JPEG(m, q, 0) }
	}
	pngOut := func(paletted bool) func(*image.RGBA) ([]byte, error) {
		return func(m *image.RGBA) ([]byte, error) { return PNG(m, paletted) }
	}
	rotated := func(turns, q int) func(*image.RGBA) ([]byte, error) {
		return func(m *image.RGBA) ([]byte, error) { return JPEG(RotateQuarter(m, turns), q, 0) }
	}
	exif := func(o int) func(*image.RGBA) ([]byte, error) {
		return func(m *image.RGBA) ([]byte, error) { return JPEG(m, 75, o) }
	}
	shrunk := func(w, h, q int) func(*image.RGBA) ([]byte, error) {
		return func(m *image.RGBA) ([]byte, error) { return JPEG(Resize(m, w, h), q, 0) }
	}
	// Noisy photos are stored at lower quality, as a phone keeps them small; it also
	// keeps the corpus small.
	photo := func(p Photo, orientation int) func(*image.RGBA) ([]byte, error) {
		q := 70
		if p.Moire || p.Noise > 5 {
			q = 50
		}
		return func(m *image.RGBA) ([]byte, error) { return JPEG(p.Apply(m), q, orientation) }
	}
	// A phone held over a 1080×2340 screen: the screen spans most of a 1200×1600 frame.
	straight := [4][2]float64{{250, 60}, {950, 60}, {950, 1540}, {250, 1540}}
	tilted := [4][2]float64{{330, 40}, {1010, 130}, {880, 1560}, {150, 1440}}
	keystone := [4][2]float64{{300, 120}, {900, 120}, {1040, 1520}, {160, 1520}}

	// far places a 1080×2340 screen at scale s in the middle of the frame, slightly
	// askew: the student photographed the screen from arm's length.
	far := func(s float64) [4][2]float64 {
		w, h := 1080*s/2, 2340*s/2
		return [4][2]float64{{600 - w + 20, 800 - h}, {600 + w, 800 - h + 15}, {600 + w - 10, 800 + h}, {600 - w, 800 + h - 10}}
	}
	// turned is the screen turned by deg degrees around the frame centre.
	turned := func(deg float64) [4][2]float64 {
		r := deg * math.Pi / 180
		c, s := math.Cos(r), math.Sin(r)
		var out [4][2]float64
		for i, q := range [4][2]float64{{-270, -585}, {270, -585}, {270, 585}, {-270, 585}} {
			out[i] = [2]float64{600 + q[0]*c - q[1]*s, 800 + q[0]*s + q[1]*c}
		}
		return out
	}
	p := func(seed uint64, n int, alphabet string) string { return payload(seed, n, alphabet) }
	shots := []shot{
		{"clean_1080x2340.png", []string{"clean", "png"}, Screen{Width: 1080, Height: 2340, Payload: p(1, 64, b64url), Seed: 1}, pngOut(false)},
		{"clean_1242x2688.png", []string{"clean", "png", "paletted"}, Screen{Width: 1242, Height: 2688, Payload: p(2, 48, alnum), Seed: 2}, pngOut(true)},
		{"clean_1170x2532.jpg", []string{"clean", "jpeg"}, Screen{Width: 1170, Height: 2532, Payload: p(3, 96, b64url), Seed: 3}, jpg(80)},
		{"clean_750x1334.jpg", []string{"clean", "jpeg"}, Screen{Width: 750, Height: 1334, Payload: p(4, 32, hexa), Seed: 4}, jpg(75)},
		{"small_area10pct_1242x2688.jpg", []string{"small"}, Screen{Width: 1242, Height: 2688, Payload: p(5, 64, b64url), QRSide: 577, Seed: 5}, jpg(75)},
		{"small_width15pct_1242x2688.png", []string{"small", "png"}, Screen{Width: 1242, Height: 2688, Payload: p(6, 24, alnum), QRSide: 186, Seed: 6}, pngOut(true)},
		{"small_width20pct_1080x2340.jpg", []string{"small", "jpeg"}, Screen{Width: 1080, Height: 2340, Payload: p(7, 40, b64url), QRSide: 216, Seed: 7}, jpg(80)},
		{"small_width10pct_1242x2688.jpg", []string{"small"}, Screen{Width: 1242, Height: 2688, Payload: p(35, 20, alnum), QRSide: 124, Seed: 35}, jpg(75)},
		{"clutter_small_qr.jpg", []string{"clutter", "small"}, Screen{Width: 1080, Height: 2340, Payload: p(36, 32, b64url), QRSide: 200, Clutter: true, Seed: 36}, jpg(80)},
		{"rotated90.jpg", []string{"rotated"}, Screen{Width: 1080, Height: 2340, Payload: p(8, 64, b64url), Seed: 8}, rotated(1, 75)},
		{"rotated180.jpg", []string{"rotated"}, Screen{Width: 1170, Height: 2532, Payload: p(9, 64, b64url), Seed: 9}, rotated(2, 75)},
		{"rotated270.jpg", []string{"rotated"}, Screen{Width: 1242, Height: 2688, Payload: p(10, 64, b64url), Seed: 10}, rotated(3, 75)},
		{"exif_orientation6.jpg", []string{"exif"}, Screen{Width: 1080, Height: 2340, Payload: p(11, 64, b64url), Seed: 11}, exif(6)},
		{"exif_orientation8.jpg", []string{"exif"}, Screen{Width: 1080, Height: 2340, Payload: p(12, 64, b64url), Seed: 12}, exif(8)},
		{"exif_orientation3.jpg", []string{"exif"}, Screen{Width: 750, Height: 1334, Payload: p(13, 64, b64url), Seed: 13}, exif(3)},
		{"jpeg_quality10.jpg", []string{"compressed"}, Screen{Width: 1242, Height: 2688, Payload: p(14, 64, b64url), Seed: 14}, jpg(10)},
		{"jpeg_quality5.jpg", []string{"compressed"}, Screen{Width: 1080, Height: 2340, Payload: p(15, 48, alnum), Seed: 15}, jpg(5)},
		{"wechat_resized_540x1170_q40.jpg", []string{"compressed", "resized"}, Screen{Width: 1080, Height: 2340, Payload: p(16, 64, b64url), Seed: 16}, shrunk(540, 1170, 40)},
		{"resized_small_small_qr_q60.jpg", []string{"compressed", "resized", "small"}, Screen{Width: 1242, Height: 2688, Payload: p(17, 32, alnum), QRSide: 577, Seed: 17}, shrunk(621, 1344, 60)},
		{"dark_mode.png", []string{"dark"}, Screen{Width: 1080, Height: 2340, Dark: true, Payload: p(18, 64, b64url), Seed: 18}, pngOut(true)},
		{"dark_mode_inverted_qr.png", []string{"dark", "inverted"}, Screen{Width: 1170, Height: 2532, Dark: true, QRInverted: true, Payload: p(19, 64, b64url), Seed: 19}, pngOut(true)},
		{"dark_mode_inverted_qr_q30.jpg", []string{"dark", "inverted", "compressed"}, Screen{Width: 1080, Height: 2340, Dark: true, QRInverted: true, Payload: p(20, 64, b64url), Seed: 20}, jpg(30)},
		{"payload_1024.png", []string{"long"}, Screen{Width: 1242, Height: 2688, Payload: p(21, 1024, b64url), Level: qrcode.Low, Seed: 21}, pngOut(true)},
		{"payload_300_level_h.jpg", []string{"long"}, Screen{Width: 1080, Height: 2340, Payload: p(22, 300, alnum), Level: qrcode.Highest, Seed: 22}, jpg(75)},
		{"payload_16.jpg", []string{"short"}, Screen{Width: 1080, Height: 2340, Payload: p(23, 16, hexa), Seed: 23}, jpg(75)},
		{"payload_unicode.png", []string{"unicode"}, Screen{Width: 1080, Height: 2340, Payload: "学信网图像采集码-" + p(24, 24, alnum), Seed: 24}, pngOut(true)},
		{"clutter_with_qr.jpg", []string{"clutter"}, Screen{Width: 1242, Height: 2688, Payload: p(25, 64, b64url), QRSide: 500, Clutter: true, Seed: 25}, jpg(75)},
		{"photo_straight.jpg", []string{"photo"}, Screen{Width: 1080, Height: 2340, Payload: p(26, 64, b64url), Seed: 26},
			photo(Photo{Width: 1200, Height: 1600, Corners: straight, Blur: 1, Noise: 3, Seed: 26}, 0)},
		{"photo_tilted.jpg", []string{"photo", "perspective"}, Screen{Width: 1080, Height: 2340, Payload: p(27, 64, b64url), Seed: 27},
			photo(Photo{Width: 1200, Height: 1600, Corners: tilted, Blur: 1, Noise: 4, Seed: 27}, 0)},
		{"photo_keystone.jpg", []string{"photo", "perspective"}, Screen{Width: 1080, Height: 2340, Payload: p(28, 64, b64url), Seed: 28},
			photo(Photo{Width: 1200, Height: 1600, Corners: keystone, Blur: 1, Noise: 4, Seed: 28}, 0)},
		{"photo_moire.jpg", []string{"photo", "moire"}, Screen{Width: 1080, Height: 2340, Payload: p(29, 64, b64url), Seed: 29},
			photo(Photo{Width: 1200, Height: 1600, Corners: tilted, Moire: true, Noise: 3, Seed: 29}, 0)},
		{"photo_blurred.jpg", []string{"photo", "blur"}, Screen{Width: 1080, Height: 2340, Payload: p(30, 48, alnum), Seed: 30},
			photo(Photo{Width: 1200, Height: 1600, Corners: straight, Blur: 3, Noise: 3, Seed: 30}, 0)},
		{"photo_noisy.jpg", []string{"photo", "noise"}, Screen{Width: 1080, Height: 2340, Payload: p(31, 64, b64url), Seed: 31},
			photo(Photo{Width: 1200, Height: 1600, Corners: keystone, Blur: 1, Noise: 14, Seed: 31}, 0)},
		{"photo_dim.jpg", []string{"photo", "low-contrast"}, Screen{Width: 1080, Height: 2340, Payload: p(32, 64, b64url), Seed: 32},
			photo(Photo{Width: 1200, Height: 1600, Corners: straight, Blur: 1, Noise: 4, Dim: 0.8, Seed: 32}, 0)},
		{"photo_dark_mode_moire.jpg", []string{"photo", "dark", "inverted", "moire"}, Screen{Width: 1080, Height: 2340, Dark: true, QRInverted: true, Payload: p(33, 64, b64url), Seed: 33},
			photo(Photo{Width: 1200, Height: 1600, Corners: keystone, Moire: true, Blur: 1, Noise: 4, Seed: 33}, 0)},
		{"photo_exif6.jpg", []string{"photo", "exif"}, Screen{Width: 1080, Height: 2340, Payload: p(34, 64, b64url), Seed: 34},
			photo(Photo{Width: 1200, Height: 1600, Corners: tilted, Blur: 1, Noise: 4, Seed: 34}, 6)},
		{"photo_far_away.jpg", []string{"photo", "small"}, Screen{Width: 1080, Height: 2340, Payload: p(37, 32, alnum), Seed: 37},
			photo(Photo{Width: 1200, Height: 1600, Corners: [4][2]float64{{470, 480}, {770, 500}, {760, 1130}, {455, 1110}}, Blur: 1, Noise: 4, Seed: 37}, 0)},
		{"photo_heavy_blur.jpg", []string{"photo", "blur"}, Screen{Width: 1080, Height: 2340, Payload: p(38, 48, alnum), Seed: 38},
			photo(Photo{Width: 1200, Height: 1600, Corners: keystone, Blur: 4, Noise: 5, Seed: 38}, 0)},
		{"photo_very_dim_noisy.jpg", []string{"photo", "low-contrast", "noise"}, Screen{Width: 1080, Height: 2340, Payload: p(39, 64, b64url), Seed: 39},
			photo(Photo{Width: 1200, Height: 1600, Corners: tilted, Blur: 1, Noise: 9, Dim: 1, Seed: 39}, 0)},
		{"photo_moire_noise.jpg", []string{"photo", "moire", "noise"}, Screen{Width: 1080, Height: 2340, Payload: p(40, 64, b64url), Seed: 40},
			photo(Photo{Width: 1200, Height: 1600, Corners: keystone, Moire: true, Noise: 10, Seed: 40}, 0)},
		{"photo_far_moire.jpg", []string{"photo", "small", "moire"}, Screen{Width: 1080, Height: 2340, Payload: p(41, 32, alnum), Seed: 52},
			photo(Photo{Width: 1200, Height: 1600, Corners: far(0.3), Moire: true, Blur: 1, Noise: 6, Seed: 52}, 0)},
		{"photo_farther_moire.jpg", []string{"photo", "small", "moire"}, Screen{Width: 1080, Height: 2340, Payload: p(42, 32, alnum), Seed: 60},
			photo(Photo{Width: 1200, Height: 1600, Corners: far(0.2), Moire: true, Blur: 1, Noise: 6, Seed: 60}, 0)},
		{"photo_mid_moire.jpg", []string{"photo", "moire"}, Screen{Width: 1080, Height: 2340, Payload: p(43, 32, alnum), Seed: 63},
			photo(Photo{Width: 1200, Height: 1600, Corners: far(0.4), Moire: true, Blur: 1, Noise: 6, Seed: 63}, 0)},
		{"photo_turned45.jpg", []string{"photo", "rotated"}, Screen{Width: 1080, Height: 2340, Payload: p(44, 32, alnum), Seed: 64},
			photo(Photo{Width: 1200, Height: 1600, Corners: turned(45), Blur: 1, Noise: 4, Seed: 64}, 0)},

		// No QR code: the decoder must say so rather than read something out of clutter.
		{"noqr_text.png", []string{"no-qr", "text"}, Screen{Width: 1080, Height: 2340, Seed: 101}, pngOut(true)},
		{"noqr_clutter.jpg", []string{"no-qr", "clutter", "grid"}, Screen{Width: 1242, Height: 2688, Clutter: true, Seed: 102}, jpg(75)},
		{"noqr_dark_clutter.png", []string{"no-qr", "clutter", "dark"}, Screen{Width: 1080, Height: 2340, Dark: true, Clutter: true, Seed: 103}, pngOut(true)},
		{"noqr_qr_cut_in_half.png", []string{"no-qr", "cropped"}, Screen{Width: 1080, Height: 2340, Payload: p(104, 64, b64url), QRCut: true, Seed: 104}, pngOut(true)},
		{"noqr_photo_of_clutter.jpg", []string{"no-qr", "clutter", "photo", "moire"}, Screen{Width: 1080, Height: 2340, Clutter: true, Seed: 105},
			photo(Photo{Width: 1200, Height: 1600, Corners: tilted, Moire: true, Blur: 1, Noise: 4, Seed: 105}, 0)},
	}
	for _, s := range shots {
		img, err := s.scr.Draw()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.file, err)
		}
		want := s.scr.Payload
		if s.scr.QRCut {
			want = ""
		}
		data, err := s.out(img)
		if err := add(s.file, want, s.tags, data, err); err != nil {
			return nil, err
		}
	}
	land := Landscape(1600, 1200, 106)
	data, err := JPEG(land, 80, 0)
	if err := add("noqr_photo_landscape.jpg", "", []string{"no-qr", "photo"}, data, err); err != nil {
		return nil, err
	}
	data, err = PNG(Checkerboard(1080, 2340, 36), true)
	if err := add("noqr_checkerboard.png", "", []string{"no-qr", "grid"}, data, err); err != nil {
		return nil, err
	}
	return cases, nil
}

// Landscape draws a photo-like scene: sky, sun, hills, a building with a grid of
// windows, sensor noise.
func Landscape(w, h int, seed uint64) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, 3))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			t := float64(y) / float64(h)
			c := mix(rgb(0x5B, 0x9B, 0xE0), rgb(0xE8, 0xD8, 0xB0), t)
			horizon := float64(h)*0.55 + 60*math.Sin(float64(x)/170) + 30*math.Sin(float64(x)/53+1)
			if float64(y) > horizon {
				c = mix(rgb(0x3C, 0x6E, 0x2A), rgb(0x22, 0x40, 0x18), (float64(y)-horizon)/float64(h))
			}
			if dx, dy := x-w*3/4, y-h/5; dx*dx+dy*dy < 60*60 {
				c = rgb(0xFF, 0xF0, 0xC0)
			}
			img.SetRGBA(x, y, c)
		}
	}
	b := image.Rect(w/5, h/4, w/5+360, h*9/10) // building
	fill(img, b, rgb(0x8A, 0x84, 0x7C))
	for y := b.Min.Y + 20; y+30 < b.Max.Y; y += 48 {
		for x := b.Min.X + 20; x+30 < b.Max.X; x += 48 {
			c := rgb(0x20, 0x28, 0x30)
			if rng.IntN(3) == 0 {
				c = rgb(0xF0, 0xE0, 0x90)
			}
			fill(img, image.Rect(x, y, x+30, y+30), c)
		}
	}
	for i := range img.Pix {
		if i%4 != 3 {
			img.Pix[i] = uint8(min(max(float64(img.Pix[i])+rng.NormFloat64()*4, 0), 255))
		}
	}
	return img
}

// Checkerboard draws a chessboard of cell-pixel squares.
func Checkerboard(w, h, cell int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{0xFF, 0xFF, 0xFF, 0xFF}
			if (x/cell+y/cell)%2 == 0 {
				c = color.RGBA{0, 0, 0, 0xFF}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}
