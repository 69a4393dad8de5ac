package capturecode

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"slices"
	"testing"
)

// grid2x3 is
//
//	1 2
//	3 4
//	5 6
func grid2x3() *image.Gray {
	g := newGray(2, 3)
	copy(g.Pix, []uint8{1, 2, 3, 4, 5, 6})
	return g
}

func TestOrient(t *testing.T) {
	// Each case: the stored pixels are grid2x3; the result is what a viewer shows.
	tests := []struct {
		orientation int
		w, h        int
		want        []uint8
	}{
		{orientNormal, 2, 3, []uint8{1, 2, 3, 4, 5, 6}},
		{orientFlipH, 2, 3, []uint8{2, 1, 4, 3, 6, 5}},
		{orientRotate180, 2, 3, []uint8{6, 5, 4, 3, 2, 1}},
		{orientFlipV, 2, 3, []uint8{5, 6, 3, 4, 1, 2}},
		{orientTranspose, 3, 2, []uint8{1, 3, 5, 2, 4, 6}},
		{orientRotate90, 3, 2, []uint8{5, 3, 1, 6, 4, 2}},
		{orientTransverse, 3, 2, []uint8{6, 4, 2, 5, 3, 1}},
		{orientRotate270, 3, 2, []uint8{2, 4, 6, 1, 3, 5}},
		{0, 2, 3, []uint8{1, 2, 3, 4, 5, 6}}, // invalid values leave the image alone
		{9, 2, 3, []uint8{1, 2, 3, 4, 5, 6}},
	}
	for _, tt := range tests {
		got := orient(grid2x3(), tt.orientation)
		if got.Rect.Dx() != tt.w || got.Rect.Dy() != tt.h || !slices.Equal(got.Pix, tt.want) {
			t.Errorf("orientation %d: %dx%d %v, want %dx%d %v", tt.orientation,
				got.Rect.Dx(), got.Rect.Dy(), got.Pix, tt.w, tt.h, tt.want)
		}
	}
}

// exifSegment builds an APP1 Exif segment holding one IFD0 entry.
func exifSegment(order binary.ByteOrder, tag, typ, value uint16) []byte {
	tiff := make([]byte, 8+2+12+4)
	if order == binary.LittleEndian {
		copy(tiff, "II")
	} else {
		copy(tiff, "MM")
	}
	order.PutUint16(tiff[2:], 42)
	order.PutUint32(tiff[4:], 8)
	order.PutUint16(tiff[8:], 1)
	order.PutUint16(tiff[10:], tag)
	order.PutUint16(tiff[12:], typ)
	order.PutUint32(tiff[14:], 1)
	order.PutUint16(tiff[18:], value)
	body := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(body)+2))
	return append(seg, body...)
}

func withSegment(t *testing.T, seg []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, newGray(8, 8), nil); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	return slices.Concat(b[:2], seg, b[2:])
}

func TestJPEGOrientation(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want int
	}{
		{"big endian 6", withSegment(t, exifSegment(binary.BigEndian, 0x0112, 3, 6)), 6},
		{"little endian 8", withSegment(t, exifSegment(binary.LittleEndian, 0x0112, 3, 8)), 8},
		{"other tag only", withSegment(t, exifSegment(binary.BigEndian, 0x010F, 3, 6)), 1},
		{"wrong type", withSegment(t, exifSegment(binary.BigEndian, 0x0112, 4, 6)), 1},
		{"out of range value", withSegment(t, exifSegment(binary.BigEndian, 0x0112, 3, 9)), 1},
		{"no exif", withSegment(t, nil), 1},
		{"segment length past the end", []byte{0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 'E', 'x'}, 1},
		{"segment length below 2", []byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x01, 0, 0}, 1},
		{"IFD offset past the end", withSegment(t, []byte{0xFF, 0xE1, 0x00, 0x10, 'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 42, 0x7F, 0xFF, 0xFF, 0xFF}), 1},
		{"entry count past the end", withSegment(t, []byte{0xFF, 0xE1, 0x00, 0x12, 'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 42, 0, 0, 0, 8, 0xFF, 0xFF}), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := jpegOrientation(tt.data); got != tt.want {
				t.Fatalf("jpegOrientation = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestPNGOrientation(t *testing.T) {
	seg := exifSegment(binary.BigEndian, 0x0112, 3, 6)[10:] // the TIFF part
	chunk := func(typ string, data []byte) []byte {
		c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		c = append(c, typ...)
		c = append(c, data...)
		return append(c, 0, 0, 0, 0) // CRC is not checked here
	}
	sig := []byte("\x89PNG\r\n\x1a\n")
	ihdr := chunk("IHDR", make([]byte, 13))
	tests := []struct {
		name string
		data []byte
		want int
	}{
		{"eXIf before IDAT", slices.Concat(sig, ihdr, chunk("eXIf", seg), chunk("IDAT", nil)), 6},
		{"eXIf after IDAT is ignored", slices.Concat(sig, ihdr, chunk("IDAT", nil), chunk("eXIf", seg)), 1},
		{"no eXIf", slices.Concat(sig, ihdr, chunk("IDAT", nil)), 1},
		{"chunk length past the end", slices.Concat(sig, []byte{0x7F, 0, 0, 0, 'e', 'X', 'I', 'f'}), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pngOrientation(tt.data); got != tt.want {
				t.Fatalf("pngOrientation = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestToGrayFastPathsMatchGeneric(t *testing.T) {
	colours := []color.NRGBA{
		{0, 0, 0, 255}, {255, 255, 255, 255}, {200, 30, 90, 255}, {10, 240, 10, 128}, {0, 0, 0, 0}, {90, 90, 90, 64},
	}
	nrgba := image.NewNRGBA(image.Rect(0, 0, len(colours), 1))
	rgba := image.NewRGBA(nrgba.Rect)
	pal := image.NewPaletted(nrgba.Rect, nil)
	for i, c := range colours {
		nrgba.SetNRGBA(i, 0, c)
		rgba.Set(i, 0, c)
		pal.Palette = append(pal.Palette, c)
		pal.Pix[i] = uint8(i)
	}
	want := make([]uint8, len(colours))
	for i, c := range colours {
		want[i] = lumaOverWhite(c)
	}
	for name, img := range map[string]image.Image{"NRGBA": nrgba, "RGBA": rgba, "Paletted": pal} {
		got := toGray(img).Pix
		for i := range want {
			if d := int(got[i]) - int(want[i]); d < -1 || d > 1 {
				t.Errorf("%s pixel %d (%v): %d, want %d±1", name, i, colours[i], got[i], want[i])
			}
		}
	}
	if got := toGray(image.NewNRGBA(image.Rect(0, 0, 1, 1))).Pix[0]; got != 255 {
		t.Errorf("transparent pixel = %d, want white (255)", got)
	}
	// A sub-image must be read at its own origin.
	sub := nrgba.SubImage(image.Rect(2, 0, 4, 1))
	if got := toGray(sub).Pix; !slices.Equal(got, toGray(nrgba).Pix[2:4]) {
		t.Errorf("sub-image: %v, want %v", got, toGray(nrgba).Pix[2:4])
	}
}

func TestShrinkAndEnlarge(t *testing.T) {
	g := newGray(4, 2)
	copy(g.Pix, []uint8{0, 100, 200, 200, 100, 200, 0, 0})
	s := shrink(g, 2)
	if s.Rect.Dx() != 2 || s.Rect.Dy() != 1 || !slices.Equal(s.Pix, []uint8{100, 100}) {
		t.Fatalf("shrink: %dx%d %v, want 2x1 [100 100]", s.Rect.Dx(), s.Rect.Dy(), s.Pix)
	}
	// Odd sizes drop the last column and row; every factor averages its blocks.
	odd := newGray(9, 7)
	for i := range odd.Pix {
		odd.Pix[i] = uint8(i * 37)
	}
	for _, f := range []int{2, 3, 4} {
		s := shrink(odd, f)
		if s.Rect.Dx() != 9/f || s.Rect.Dy() != 7/f {
			t.Fatalf("shrink ×1/%d of 9x7: %dx%d", f, s.Rect.Dx(), s.Rect.Dy())
		}
		for y := 0; y < 7/f; y++ {
			for x := 0; x < 9/f; x++ {
				sum := 0
				for yy := y * f; yy < y*f+f; yy++ {
					for xx := x * f; xx < x*f+f; xx++ {
						sum += int(odd.Pix[yy*9+xx])
					}
				}
				if got := s.Pix[y*s.Stride+x]; int(got) != sum/(f*f) {
					t.Fatalf("shrink ×1/%d at (%d,%d) = %d, want %d", f, x, y, got, sum/(f*f))
				}
			}
		}
	}
	flat := newGray(3, 3)
	for i := range flat.Pix {
		flat.Pix[i] = 77
	}
	e := enlarge(flat)
	if e.Rect.Dx() != 6 || e.Rect.Dy() != 6 {
		t.Fatalf("enlarge: %dx%d, want 6x6", e.Rect.Dx(), e.Rect.Dy())
	}
	for i, v := range e.Pix {
		if v != 77 {
			t.Fatalf("enlarge of a flat image changed pixel %d to %d", i, v)
		}
	}
}

func TestStretch(t *testing.T) {
	g := newGray(100, 1)
	for i := range g.Pix {
		g.Pix[i] = uint8(100 + i%20) // a narrow band of grey
	}
	s := stretch(g)
	lo, hi := slices.Min(s.Pix), slices.Max(s.Pix)
	if lo > 10 || hi < 245 {
		t.Fatalf("stretch spans %d..%d, want about 0..255", lo, hi)
	}
}
