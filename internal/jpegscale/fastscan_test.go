package jpegscale

import (
	"bytes"
	"image"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"testing"
)

// chunkReader hands out its bytes in chunks of random sizes, so the decoder's
// buffer ends (where decodeBlockFast gives way to the slow path) fall
// anywhere in the scan.
type chunkReader struct {
	data []byte
	rng  *rand.Rand
	max  int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(r.data), 1+r.rng.IntN(r.max))
	copy(p, r.data[:n])
	r.data = r.data[n:]
	return n, nil
}

// On damaged files (cut short, bytes changed, markers dropped in) and read in
// chunks of any size, the fork at scale 1 answers as image/jpeg does: an error
// for the same files, the same pixels for the others. The block decode's fast
// path and its hand-over to the slow one are where they could part.
func TestDecodeDamagedIsImageJPEG(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	files := testFiles(t)
	noise := image.NewRGBA(image.Rect(0, 0, 96, 80))
	for i := range noise.Pix {
		noise.Pix[i] = uint8(rng.Uint32())
	}
	files["noise q100"] = encodeStd(t, noise, 100) // many 0xff 0x00 stuffed bytes, long codes
	files["noise q95"] = encodeStd(t, noise, 95)
	n := 60
	if testing.Short() {
		n = 10
	}
	for name, data := range files {
		for k := range n {
			d := bytes.Clone(data)
			switch k % 4 {
			case 0: // cut short
				d = d[:len(d)/2+rng.IntN(len(d)/2)]
			case 1: // a byte changed
				d[len(d)/8+rng.IntN(len(d)*7/8)] = uint8(rng.Uint32())
			case 2: // a marker dropped in
				p := len(d)/4 + rng.IntN(len(d)*3/4-2)
				d[p], d[p+1] = 0xff, []byte{0xd0, 0xd1, 0xd9, 0x00, 0xff, 0xc4}[rng.IntN(6)]
			case 3: // intact, read in small chunks
			}
			want, werr := jpeg.Decode(bytes.NewReader(d))
			got, gerr := DecodeScaled(&chunkReader{d, rng, 1 + rng.IntN(1000)}, 1)
			if (werr == nil) != (gerr == nil) {
				t.Fatalf("%s, case %d: image/jpeg error %v, fork error %v", name, k, werr, gerr)
			}
			if werr != nil {
				continue
			}
			gs, ws := samples(got), samples(want)
			if len(gs) != len(ws) || got.Bounds() != want.Bounds() {
				t.Fatalf("%s, case %d: %T %v, image/jpeg %T %v", name, k, got, got.Bounds(), want, want.Bounds())
			}
			for i := range gs {
				if !bytes.Equal(gs[i], ws[i]) {
					t.Fatalf("%s, case %d: plane %d differs", name, k, i)
				}
			}
		}
	}
}

// idctColsTo writes the pixels idctCols and the level shift and clip give,
// and reconstructBlock's zero-row skipping changes none: random blocks of
// dequantised coefficients, sparse and dense, some far out of range.
func TestIDCTColsToIsIDCTCols(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for k := range 20000 {
		var b block
		var nz uint64
		for i := range b {
			if rng.IntN(64) < k%64 {
				b[i] = int32(rng.IntN(2048) - 1024)
				if k%7 == 0 {
					b[i] *= 16
				}
				nz |= 1 << i
			}
		}
		want := b
		idct(&want)
		got := b
		idctRows(&got, nonZeroRows(nz))
		var dst [10 * 8]byte
		idctColsTo(&got, dst[2:], 10)
		for y := range 8 {
			for x := range 8 {
				c := want[8*y+x] + 128
				c = min(255, max(0, c))
				if g := dst[2+10*y+x]; int32(g) != c {
					t.Fatalf("block %d, pixel %d,%d: %d, want %d", k, x, y, g, c)
				}
			}
		}
	}
}

// lut11 decodes as image/jpeg's 8-bit table and code search do, on every 16
// bits, for the standard tables and random ones, over-subscribed included.
func TestLUT11IsDecodeHuffman(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	var specs [][]byte
	for _, s := range theHuffmanSpec {
		specs = append(specs, append(s.count[:], s.value...))
	}
	for range 200 {
		var counts [16]byte
		total := 0
		for i := range counts {
			if rng.IntN(3) == 0 {
				counts[i] = uint8(rng.IntN(1 << min(i+1, 5)))
			}
			total += int(counts[i])
		}
		if total == 0 || total > 256 {
			continue
		}
		spec := counts[:]
		for range total {
			spec = append(spec, uint8(rng.Uint32()))
		}
		specs = append(specs, spec)
	}
	for k, spec := range specs {
		var d decoder
		d.r = bytes.NewReader(append([]byte{0x00}, spec...))
		if err := d.processDHT(1 + len(spec)); err != nil {
			t.Fatalf("table %d: %v", k, err)
		}
		h := &d.huff[0][0]
		for peek := range uint32(1 << 16) {
			wv, wl := huffLookupLong(h, peek)
			if v := h.lut[peek>>8]; v != 0 {
				wv, wl = uint8(v>>8), uint(v&0xff)-1
			}
			if gv, gl := huffLookup(h, peek); gv != wv || gl != wl {
				t.Fatalf("table %d, bits %016b: value %d length %d, want %d %d", k, peek, gv, gl, wv, wl)
			}
		}
	}
}

// The fast block decode changes no pixel at any scale, nor in a region: every
// test file, noise, and a real photo, decoded with it and with the slow path
// alone (the block decode the fork had before it, image/jpeg's).
func TestFastBlocksChangeNoPixel(t *testing.T) {
	files := testFiles(t)
	rng := rand.New(rand.NewPCG(9, 9))
	noise := image.NewGray(image.Rect(0, 0, 120, 72))
	for i := range noise.Pix {
		noise.Pix[i] = uint8(rng.Uint32())
	}
	files["noise q100"] = encodeStd(t, noise, 100)
	files["photo q95"] = encodeStd(t, photo480(t), 95)
	decode := func(data []byte, denom int, region image.Rectangle, fast bool) (image.Image, error) {
		defer func(f bool) { fastBlocks = f }(fastBlocks)
		fastBlocks = fast
		if region.Empty() {
			return DecodeScaled(bytes.NewReader(data), denom)
		}
		return DecodeRegion(bytes.NewReader(data), denom, region)
	}
	for name, data := range files {
		for _, denom := range []int{1, 2, 4, 8} {
			for _, region := range []image.Rectangle{{}, image.Rect(3, 5, 40, 33)} {
				want, werr := decode(data, denom, region, false)
				got, gerr := decode(data, denom, region, true)
				if werr != nil || gerr != nil {
					t.Fatalf("%s 1/%d %v: errors %v, %v", name, denom, region, werr, gerr)
				}
				gs, ws := samples(got), samples(want)
				if len(gs) == 0 || len(gs) != len(ws) || got.Bounds() != want.Bounds() {
					t.Fatalf("%s 1/%d %v: %T %v vs %T %v", name, denom, region, got, got.Bounds(), want, want.Bounds())
				}
				for i := range gs {
					if !bytes.Equal(gs[i], ws[i]) {
						t.Fatalf("%s 1/%d %v: plane %d differs", name, denom, region, i)
					}
				}
			}
		}
	}
}
