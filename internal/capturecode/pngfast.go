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

// decodePNGGray decodes the PNGs phones and image tools write (not interlaced;
// 8-bit grey, RGB, RGBA, grey+alpha; 1–8-bit palette or grey) straight to luminance. image/png would first expand
// every pixel to RGBA and toGray would then read it again: on a 1080×2340
// screenshot that is 60 % of the whole decode time. ok is false for anything else
// (16-bit, interlaced, colour-key transparency), which image/png then handles.
// The caller has already checked the dimensions with png.DecodeConfig.
func decodePNGGray(data []byte) (g *image.Gray, ok bool, err error) {
	const (
		ctGray      = 0
		ctRGB       = 2
		ctPalette   = 3
		ctGrayAlpha = 4
		ctRGBA      = 6
	)
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
	g = newGray(w, h)
	for y := 0; y < h; y++ {
		if _, err := io.ReadFull(fr, cur); err != nil {
			return nil, true, fmt.Errorf("png: row %d: %w", y, err)
		}
		if err := unfilter(cur[0], cur[1:], prev[1:], bpp); err != nil {
			return nil, true, err
		}
		row, px := g.Pix[y*w:(y+1)*w], cur[1:]
		if depth < 8 {
			unpackLowDepth(row, px, depth, colorType == ctGray, &lut)
			cur, prev = prev, cur
			continue
		}
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
		cur, prev = prev, cur
	}
	return g, true, nil
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

// unfilter reverses one PNG row filter in place (PNG spec §9).
func unfilter(filter byte, cur, prev []byte, bpp int) error {
	switch filter {
	case 0:
	case 1: // Sub
		for i := bpp; i < len(cur); i++ {
			cur[i] += cur[i-bpp]
		}
	case 2: // Up
		for i, p := range prev {
			cur[i] += p
		}
	case 3: // Average
		for i := 0; i < bpp; i++ {
			cur[i] += prev[i] / 2
		}
		for i := bpp; i < len(cur); i++ {
			cur[i] += uint8((int(cur[i-bpp]) + int(prev[i])) / 2)
		}
	case 4: // Paeth
		for i := 0; i < bpp; i++ {
			cur[i] += prev[i]
		}
		for i := bpp; i < len(cur); i++ {
			a, b, c := int(cur[i-bpp]), int(prev[i]), int(prev[i-bpp])
			p := a + b - c
			pa, pb, pc := abs(p-a), abs(p-b), abs(p-c)
			switch {
			case pa <= pb && pa <= pc:
				cur[i] += uint8(a)
			case pb <= pc:
				cur[i] += uint8(b)
			default:
				cur[i] += uint8(c)
			}
		}
	default:
		return fmt.Errorf("png: unknown filter %d", filter)
	}
	return nil
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
