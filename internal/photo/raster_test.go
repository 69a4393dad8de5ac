package photo

import (
	"image"
	"image/color"
	"math/rand/v2"
	"testing"
)

// lumaOf's tables give the Rec. 601 weighted sum, rounded, for every colour.
func TestLumaOfIsRec601Rounded(t *testing.T) {
	for r := range uint32(256) {
		for g := range uint32(256) {
			for b := range uint32(256) {
				if got, want := lumaOf(uint8(r), uint8(g), uint8(b)), uint8((299*r+587*g+114*b+500)/1000); got != want {
					t.Fatalf("lumaOf(%d,%d,%d) = %d, want %d", r, g, b, got, want)
				}
			}
		}
	}
}

// The colour grid is the 2×2 block average of the raster (its last row and column
// repeated at an odd edge), whatever the raster's size.
func TestGridIsBlockAverage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sz := range [][2]int{{1, 1}, {1, 5}, {2, 2}, {3, 3}, {5, 4}, {8, 7}, {33, 17}} {
		r := &raster{w: sz[0], h: sz[1]}
		r.rgb = make([]uint8, 3*r.w*r.h)
		for i := range r.rgb {
			r.rgb[i] = uint8(rng.IntN(256))
		}
		r.buildGrid()
		for gy := 0; gy < r.gh; gy++ {
			for gx := 0; gx < r.gw; gx++ {
				x0, y0 := 2*gx, 2*gy
				x1, y1 := min(x0+1, r.w-1), min(y0+1, r.h-1)
				for ch := 0; ch < 3; ch++ {
					at := func(x, y int) int { return int(r.rgb[(y*r.w+x)*3+ch]) }
					want := uint8((at(x0, y0) + at(x1, y0) + at(x0, y1) + at(x1, y1)) / 4)
					if got := r.grgb[(gy*r.gw+gx)*3+ch]; got != want {
						t.Fatalf("%v grid (%d,%d) channel %d = %d, want %d", sz, gx, gy, ch, got, want)
					}
				}
			}
		}
	}
}

// The 4:2:0 conversion at work size gives color.YCbCrToRGB's colours and lumaOf's
// grey for every pixel, at every size (odd ones: a last row or column alone).
func TestConversionIsYCbCrToRGB(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, sz := range [][2]int{{1, 1}, {1, 4}, {5, 1}, {2, 2}, {3, 3}, {4, 5}, {17, 9}, {32, 31}} {
		img := image.NewYCbCr(image.Rect(0, 0, sz[0], sz[1]), image.YCbCrSubsampleRatio420)
		for _, p := range [][]uint8{img.Y, img.Cb, img.Cr} {
			for i := range p {
				p[i] = uint8(rng.IntN(256))
			}
		}
		r := new(raster)
		r.loadStored(img)
		for y := 0; y < r.h; y++ {
			for x := 0; x < r.w; x++ {
				ci := img.COffset(x, y)
				R, G, B := color.YCbCrToRGB(img.Y[img.YOffset(x, y)], img.Cb[ci], img.Cr[ci])
				i := (y*r.w + x) * 3
				if got := [4]uint8{r.rgb[i], r.rgb[i+1], r.rgb[i+2], r.grey[y*r.w+x]}; got != [4]uint8{R, G, B, lumaOf(R, G, B)} {
					t.Fatalf("%v pixel (%d,%d): %v, want %v", sz, x, y, got, [4]uint8{R, G, B, lumaOf(R, G, B)})
				}
			}
		}
	}
}
