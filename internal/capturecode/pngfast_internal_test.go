package capturecode

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// randomImage fills an image with smooth gradients and noise, so that the encoder
// picks every row filter.
func randomPixels(rng *rand.Rand, set func(x, y int, r, g, b, a uint8), w, h int, alpha bool) {
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			a := uint8(255)
			if alpha {
				a = uint8(rng.IntN(256))
			}
			set(x, y, uint8(x*3+rng.IntN(20)), uint8(y*5), uint8(rng.IntN(256)), a)
		}
	}
}

// rawPNG encodes rows that are already packed for the given depth and colour type
// (unfiltered), for the layouts image/png never writes: grey+alpha, low-depth grey.
func rawPNG(t *testing.T, w, h int, depth, colorType byte, rows [][]byte) []byte {
	t.Helper()
	var raw bytes.Buffer
	for _, r := range rows {
		raw.WriteByte(0)
		raw.Write(r)
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(raw.Bytes())
	zw.Close()
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&out, binary.BigEndian, uint32(len(data)))
		out.WriteString(typ)
		out.Write(data)
		binary.Write(&out, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = depth, colorType
	chunk("IHDR", ihdr)
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	return out.Bytes()
}

// packedRows makes h rows of w samples of the given depth, packed MSB first.
func packedRows(rng *rand.Rand, w, h int, depth int) [][]byte {
	rows := make([][]byte, h)
	for y := range rows {
		r := make([]byte, (w*depth+7)/8)
		for x := 0; x < w; x++ {
			v := byte(rng.IntN(1 << depth))
			r[x*depth/8] |= v << (8 - depth - x*depth%8)
		}
		rows[y] = r
	}
	return rows
}

func TestDecodePNGGrayMatchesImagePNG(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const w, h = 61, 37
	gray := image.NewGray(image.Rect(0, 0, w, h))
	rgb := image.NewRGBA(gray.Rect)
	nrgba := image.NewNRGBA(gray.Rect)
	randomPixels(rng, func(x, y int, r, g, b, a uint8) { gray.SetGray(x, y, color.Gray{r}) }, w, h, false)
	randomPixels(rng, func(x, y int, r, g, b, a uint8) { rgb.SetRGBA(x, y, color.RGBA{r, g, b, 255}) }, w, h, false)
	randomPixels(rng, func(x, y int, r, g, b, a uint8) { nrgba.SetNRGBA(x, y, color.NRGBA{r, g, b, a}) }, w, h, true)
	pal := image.NewPaletted(gray.Rect, color.Palette{
		color.NRGBA{0, 0, 0, 255}, color.NRGBA{255, 255, 255, 255}, color.NRGBA{200, 10, 10, 128}, color.NRGBA{0, 0, 0, 0},
	})
	for i := range pal.Pix {
		pal.Pix[i] = uint8(rng.IntN(4))
	}
	files := map[string][]byte{}
	for name, img := range map[string]image.Image{"gray": gray, "rgb": rgb, "rgba": nrgba, "palette+tRNS": pal} {
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		files[name] = buf.Bytes()
	}
	files["gray+alpha"] = rawPNG(t, w, h, 8, 4, packedRows(rng, 2*w, h, 8))
	for _, depth := range []int{1, 2, 4} {
		files["gray, depth "+string(rune('0'+depth))] = rawPNG(t, w, h, byte(depth), 0, packedRows(rng, w, h, depth))
	}
	corpus, _ := filepath.Glob("testdata/corpus/*.png")
	for _, f := range corpus {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Base(f)] = b
	}
	for name, data := range files {
		t.Run(name, func(t *testing.T) {
			got, ok, err := decodePNGGray(data, false)
			if err != nil || !ok {
				t.Fatalf("decodePNGGray: ok=%v err=%v", ok, err)
			}
			// The half-size decode is exactly the full one shrunk.
			half, ok, err := decodePNGGray(data, true)
			if err != nil || !ok {
				t.Fatalf("decodePNGGray half: ok=%v err=%v", ok, err)
			}
			if want := shrink(got, 2); half.Rect != want.Rect || !bytes.Equal(half.Pix, want.Pix) {
				t.Fatalf("half-size decode differs from the full one shrunk (%v, want %v)", half.Rect, want.Rect)
			}
			img, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			want := toGray(img)
			if got.Rect != want.Rect {
				t.Fatalf("size %v, want %v", got.Rect, want.Rect)
			}
			for i := range want.Pix {
				if d := int(got.Pix[i]) - int(want.Pix[i]); d < -1 || d > 1 {
					t.Fatalf("pixel %d: %d, want %d", i, got.Pix[i], want.Pix[i])
				}
			}
		})
	}
}

func TestDecodePNGGrayDefers(t *testing.T) {
	// 16-bit and interlaced files go to image/png.
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray16(image.Rect(0, 0, 4, 4)))
	if _, ok, err := decodePNGGray(buf.Bytes(), false); ok || err != nil {
		t.Fatalf("16-bit: ok=%v err=%v, want deferral", ok, err)
	}
	// Colour-key transparency on RGB.
	rgb := image.NewRGBA(image.Rect(0, 0, 4, 4))
	buf.Reset()
	png.Encode(&buf, rgb)
	data := buf.Bytes()
	iend := bytes.Index(data, []byte("IDAT")) - 4
	trns := []byte{0, 0, 0, 6, 't', 'R', 'N', 'S', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	withKey := append(append(append([]byte{}, data[:iend]...), trns...), data[iend:]...)
	if _, ok, err := decodePNGGray(withKey, false); ok || err != nil {
		t.Fatalf("tRNS on RGB: ok=%v err=%v, want deferral", ok, err)
	}
}

func TestDecodePNGGrayTruncated(t *testing.T) {
	var buf bytes.Buffer
	png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 300, 300)))
	data := buf.Bytes()
	for _, n := range []int{9, 20, 33, len(data) / 2, len(data) - 20} {
		if _, _, err := decodePNGGray(data[:n], n%2 == 0); err == nil {
			t.Errorf("truncated to %d of %d bytes: no error", n, len(data))
		}
	}
	bad := bytes.Clone(data)
	i := bytes.Index(bad, []byte("IDAT")) + 4
	bad[i] = 0x00 // break the zlib header
	if _, _, err := decodePNGGray(bad, false); err == nil || !strings.Contains(err.Error(), "zlib") {
		t.Errorf("bad zlib header: %v", err)
	}
}

// unfilterNaive is PNG spec §9 written out byte by byte, the reference for unfilter.
func unfilterNaive(filter byte, cur, prev []byte, bpp int) {
	for i := range cur {
		var a, c int
		if i >= bpp {
			a, c = int(cur[i-bpp]), int(prev[i-bpp])
		}
		b := int(prev[i])
		var pred int
		switch filter {
		case 1:
			pred = a
		case 2:
			pred = b
		case 3:
			pred = (a + b) / 2
		case 4:
			p := a + b - c
			pa, pb, pc := abs(p-a), abs(p-b), abs(p-c)
			switch {
			case pa <= pb && pa <= pc:
				pred = a
			case pb <= pc:
				pred = b
			default:
				pred = c
			}
		}
		cur[i] += uint8(pred)
	}
}

func TestUnfilterMatchesSpec(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, bpp := range []int{1, 2, 3, 4} {
		for _, n := range []int{bpp, 7 * bpp, 8 * bpp, 61 * bpp} {
			for filter := byte(0); filter <= 4; filter++ {
				for range 20 {
					cur, prev := make([]byte, n), make([]byte, n)
					for i := range cur {
						// Runs of equal and extreme values hit the ties and the wrap-around.
						cur[i], prev[i] = byte(rng.IntN(256)), byte(rng.IntN(4)*85)
					}
					want := bytes.Clone(cur)
					unfilterNaive(filter, want, prev, bpp)
					if err := unfilter(filter, cur, prev, bpp); err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(cur, want) {
						t.Fatalf("filter %d, bpp %d, %d bytes: %v, want %v", filter, bpp, n, cur, want)
					}
				}
			}
		}
	}
	if err := unfilter(5, []byte{1}, []byte{0}, 1); err == nil {
		t.Error("filter 5 accepted")
	}
}

func TestPaethStepMatchesSpecEverywhere(t *testing.T) {
	for a := 0; a < 256; a++ {
		for b := 0; b < 256; b++ {
			for c := 0; c < 256; c++ {
				p := a + b - c
				pa, pb, pc := abs(p-a), abs(p-b), abs(p-c)
				want := c
				switch {
				case pa <= pb && pa <= pc:
					want = a
				case pb <= pc:
					want = b
				}
				if got := paethStep(0, a, b, c); got != want {
					t.Fatalf("paeth(%d, %d, %d) = %d, want %d", a, b, c, got, want)
				}
			}
		}
	}
}
