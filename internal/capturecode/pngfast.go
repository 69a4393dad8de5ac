package capturecode

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"
)

// PNG colour types.
const (
	ctGray      = 0
	ctRGB       = 2
	ctPalette   = 3
	ctGrayAlpha = 4
	ctRGBA      = 6
)

// decodePNGGray decodes the PNGs phones and image tools write (not interlaced;
// 8-bit grey, RGB, RGBA, grey+alpha; 1–8-bit palette or grey) straight to luminance. image/png would first expand
// every pixel to RGBA and toGray would then read it again: on a 1080×2340
// screenshot that is 60 % of the whole decode time. ok is false for anything else
// (16-bit, interlaced, colour-key transparency), which image/png then handles.
// The caller has already checked the dimensions with png.DecodeConfig.
//
// With half set it returns the image shrunk ×½ instead (exactly shrink(full, 2)),
// without ever holding the full one: the first attempt on a screenshot reads that.
func decodePNGGray(data []byte, half bool) (g *image.Gray, ok bool, err error) {
	var (
		w, h      int
		depth     byte
		colorType byte       = 0xFF
		lut       [256]uint8 // palette index → luminance over white
		idat      []io.Reader
	)
	for i := 8; ; {
		if i+8 > len(data) {
			return nil, true, io.ErrUnexpectedEOF
		}
		n := int(binary.BigEndian.Uint32(data[i:]))
		typ := string(data[i+4 : i+8])
		if n < 0 || n > len(data)-i-12 {
			return nil, true, io.ErrUnexpectedEOF
		}
		body := data[i+8 : i+8+n]
		i += 12 + n
		switch typ {
		case "IHDR":
			if n != 13 {
				return nil, true, errors.New("png: bad IHDR")
			}
			w, h = int(binary.BigEndian.Uint32(body)), int(binary.BigEndian.Uint32(body[4:]))
			ct, interlace := body[9], body[12]
			depth = body[8]
			lowDepth := (ct == ctPalette || ct == ctGray) && (depth == 1 || depth == 2 || depth == 4)
			if (depth != 8 && !lowDepth) || interlace != 0 || body[10] != 0 || body[11] != 0 {
				return nil, false, nil
			}
			switch ct {
			case ctGray, ctRGB, ctPalette, ctGrayAlpha, ctRGBA:
				colorType = ct
			default:
				return nil, false, nil
			}
		case "PLTE":
			for k := 0; k < n/3 && k < 256; k++ {
				p := body[3*k:]
				lut[k] = uint8((uint32(p[0]) + 2*uint32(p[1]) + uint32(p[2])) / 4)
			}
		case "tRNS":
			if colorType != ctPalette {
				return nil, false, nil // colour-key transparency: rare, leave it to image/png
			}
			for k, a := range body[:min(n, 256)] {
				lut[k] = uint8((uint32(lut[k])*uint32(a) + 255*(255-uint32(a))) / 255)
			}
		case "IDAT":
			idat = append(idat, bytes.NewReader(body))
		case "IEND":
			goto pixels
		}
		if typ != "IDAT" && len(idat) > 0 && typ != "IEND" {
			// Chunks after the image data cannot change it.
			goto pixels
		}
	}
pixels:
	if colorType == 0xFF || len(idat) == 0 {
		return nil, true, errors.New("png: missing IHDR or IDAT")
	}
	bpp := map[byte]int{ctGray: 1, ctRGB: 3, ctPalette: 1, ctGrayAlpha: 2, ctRGBA: 4}[colorType]
	z := io.MultiReader(idat...)
	var hdr [2]byte
	if _, err := io.ReadFull(z, hdr[:]); err != nil {
		return nil, true, err
	}
	// zlib header: deflate, no preset dictionary. The Adler-32 trailer is not checked:
	// a corrupt stream at worst yields an image without a readable QR code.
	if hdr[0]&0x0F != 8 || hdr[1]&0x20 != 0 || (uint16(hdr[0])<<8|uint16(hdr[1]))%31 != 0 {
		return nil, true, errors.New("png: bad zlib header")
	}
	fr := flate.NewReader(z)
	defer fr.Close()
	stride := w * bpp
	if depth < 8 {
		stride = (w*int(depth) + 7) / 8
	}
	cur, prev := make([]byte, stride+1), make([]byte, stride+1)
	// Rows of luminance go into g, or for half into two rows that are averaged into it.
	var pair []uint8
	if half {
		if w < 2 || h < 2 {
			return nil, false, nil
		}
		g, pair = newGray(w/2, h/2), make([]uint8, 2*w)
	} else {
		g = newGray(w, h)
	}
	rowOf := func(y int) []uint8 {
		if half {
			return pair[y%2*w : (y%2+1)*w]
		}
		return g.Pix[y*w : (y+1)*w]
	}
	repeats := 0 // how many rows up to y repeat the row above them
	for y := 0; y < h; y++ {
		if _, err := io.ReadFull(fr, cur); err != nil {
			return nil, true, fmt.Errorf("png: row %d: %w", y, err)
		}
		row, px := rowOf(y), cur[1:]
		repeats++
		switch {
		case cur[0] == 2 && y > 0 && allZero(px):
			// The row repeats the one above: so does its luminance, and prev stays.
			if half && y%2 == 1 && repeats >= 3 && y/2 < h/2 {
				// So do the two rows before: the half row too repeats the one above.
				hw := w / 2
				copy(g.Pix[y/2*hw:(y/2+1)*hw], g.Pix[(y/2-1)*hw:y/2*hw])
				continue
			}
			copy(row, rowOf(y-1))
		case depth < 8:
			repeats = 0
			if err := unfilter(cur[0], px, prev[1:], bpp); err != nil {
				return nil, true, err
			}
			unpackLowDepth(row, px, depth, colorType == ctGray, &lut)
			cur, prev = prev, cur
		default:
			repeats = 0
			if err := unfilter(cur[0], px, prev[1:], bpp); err != nil {
				return nil, true, err
			}
			toLuma(row, px, colorType, &lut)
			cur, prev = prev, cur
		}
		if half && y%2 == 1 && y/2 < h/2 {
			halveRows(g.Pix[y/2*(w/2):(y/2+1)*(w/2)], pair[:w], pair[w:])
		}
	}
	return g, true, nil
}

// halveRows averages 2×2 blocks of two rows into out, like shrink(g, 2).
func halveRows(out, r0, r1 []uint8) {
	r0, r1 = r0[:2*len(out)], r1[:2*len(out)]
	for x := range out {
		s := uint32(r0[2*x]) + uint32(r0[2*x+1]) + uint32(r1[2*x]) + uint32(r1[2*x+1])
		out[x] = uint8(s / 4)
	}
}

// toLuma converts one unfiltered row of 8-bit samples to luminance over white.
func toLuma(row, px []byte, colorType byte, lut *[256]uint8) {
	switch colorType {
	case ctGray:
		copy(row, px)
	case ctPalette:
		for x, v := range px {
			row[x] = lut[v]
		}
	case ctGrayAlpha:
		for x := range row {
			v, a := uint32(px[2*x]), uint32(px[2*x+1])
			row[x] = uint8((v*a + 255*(255-a)) / 255)
		}
	case ctRGB:
		for x := range row {
			p := px[3*x : 3*x+3 : 3*x+3]
			row[x] = uint8((uint32(p[0]) + 2*uint32(p[1]) + uint32(p[2])) / 4)
		}
	case ctRGBA:
		for x := range row {
			p := px[4*x : 4*x+4 : 4*x+4]
			l, a := (uint32(p[0])+2*uint32(p[1])+uint32(p[2]))/4, uint32(p[3])
			row[x] = uint8((l*a + 255*(255-a)) / 255)
		}
	}
}

// unpackLowDepth expands 1-, 2- or 4-bit samples, most significant first.
func unpackLowDepth(row, packed []byte, depth byte, gray bool, lut *[256]uint8) {
	perByte := 8 / int(depth)
	mask := byte(1)<<depth - 1
	for x := range row {
		shift := 8 - depth*byte(x%perByte+1)
		v := packed[x/perByte] >> shift & mask
		if gray {
			row[x] = uint8(int(v) * 255 / int(mask))
		} else {
			row[x] = lut[v]
		}
	}
}

// unfilter reverses one PNG row filter in place (PNG spec §9). It is a third of a
// screenshot's decode, so the common filters have word-at-a-time or branch-light loops.
func unfilter(filter byte, cur, prev []byte, bpp int) error {
	switch filter {
	case 0:
	case 1: // Sub
		for i := bpp; i < len(cur); i++ {
			cur[i] += cur[i-bpp]
		}
	case 2: // Up
		addBytes(cur, prev)
	case 3: // Average
		for i := 0; i < bpp; i++ {
			cur[i] += prev[i] / 2
		}
		for i := bpp; i < len(cur); i++ {
			cur[i] += uint8((int(cur[i-bpp]) + int(prev[i])) / 2)
		}
	case 4: // Paeth
		unpaeth(cur, prev, bpp)
	default:
		return fmt.Errorf("png: unknown filter %d", filter)
	}
	return nil
}

// addBytes adds prev to cur bytewise (mod 256), eight bytes at a time: the carry out
// of each byte's top bit is masked off and the top bits are added by xor.
func addBytes(cur, prev []byte) {
	const low7, high = 0x7f7f7f7f7f7f7f7f, 0x8080808080808080
	prev = prev[:len(cur)]
	i := 0
	for ; i+8 <= len(cur); i += 8 {
		a, b := binary.LittleEndian.Uint64(cur[i:]), binary.LittleEndian.Uint64(prev[i:])
		binary.LittleEndian.PutUint64(cur[i:], (a&low7)+(b&low7)^((a^b)&high))
	}
	for ; i < len(cur); i++ {
		cur[i] += prev[i]
	}
}

// allZero reports whether every byte of b is 0 (an Up-filtered row that repeats the
// one above: most rows of a screenshot).
func allZero(b []byte) bool {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if binary.LittleEndian.Uint64(b[i:]) != 0 {
			return false
		}
	}
	for ; i < len(b); i++ {
		if b[i] != 0 {
			return false
		}
	}
	return true
}

// unpaeth reverses the Paeth filter, keeping the left (a) and upper-left (c)
// neighbours in registers; the predictor is picked without jumps where the compiler
// can. Other depths go one channel at a time.
func unpaeth(cur, prev []byte, bpp int) {
	prev = prev[:len(cur)]
	if bpp == 3 && len(cur)%3 == 0 {
		unpaeth3(cur, prev)
		return
	}
	if bpp == 4 && len(cur)%4 == 0 {
		unpaeth4(cur, prev)
		return
	}
	for ch := 0; ch < bpp; ch++ {
		a, c := 0, 0 // left and upper-left; zero left of the first pixel
		for i := ch; i < len(cur); i += bpp {
			b := int(prev[i])
			a = paethStep(cur[i], a, b, c)
			cur[i] = uint8(a)
			c = b
		}
	}
}

// paethStep undoes one byte: a, b, c are its left, upper and upper-left neighbours.
// This form of the predictor (stb_image's) is equivalent to the spec's three
// distances but has a shorter dependency chain through a, which each byte waits on.
func paethStep(filtered byte, a, b, c int) int {
	thresh := 3*c - (a + b)
	lo, hi := min(a, b), max(a, b)
	pred := c
	if hi <= thresh {
		pred = lo
	}
	if thresh <= lo {
		pred = hi
	}
	return int(uint8(pred) + filtered)
}

// unpaeth3 is unpaeth for RGB rows: the three channels in one pass, so that their
// independent dependency chains overlap in the CPU.
func unpaeth3(cur, prev []byte) {
	var a0, a1, a2, c0, c1, c2 int
	for i := 0; i+3 <= len(cur); i += 3 {
		px, up := cur[i:i+3:i+3], prev[i:i+3:i+3]
		b0, b1, b2 := int(up[0]), int(up[1]), int(up[2])
		a0, a1, a2 = paethStep(px[0], a0, b0, c0), paethStep(px[1], a1, b1, c1), paethStep(px[2], a2, b2, c2)
		px[0], px[1], px[2] = uint8(a0), uint8(a1), uint8(a2)
		c0, c1, c2 = b0, b1, b2
	}
}

// unpaeth4 is unpaeth3 for RGBA rows.
func unpaeth4(cur, prev []byte) {
	var a0, a1, a2, a3, c0, c1, c2, c3 int
	for i := 0; i+4 <= len(cur); i += 4 {
		px, up := cur[i:i+4:i+4], prev[i:i+4:i+4]
		b0, b1, b2, b3 := int(up[0]), int(up[1]), int(up[2]), int(up[3])
		a0, a1 = paethStep(px[0], a0, b0, c0), paethStep(px[1], a1, b1, c1)
		a2, a3 = paethStep(px[2], a2, b2, c2), paethStep(px[3], a3, b3, c3)
		px[0], px[1], px[2], px[3] = uint8(a0), uint8(a1), uint8(a2), uint8(a3)
		c0, c1, c2, c3 = b0, b1, b2, b3
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
