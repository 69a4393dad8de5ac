package imagebudget

import (
	"encoding/binary"
)

// Estimate is what the header of an upload says its decode will hold.
type Estimate struct {
	Format        string // "jpeg", "png", or "" when neither (nothing will be decoded)
	Width, Height int
	// DecodeBytes is the peak held by Go's image/jpeg or image/png while decoding it
	// (the decoded image plus, for a progressive JPEG, every coefficient; for an
	// interlaced PNG, the passes).
	DecodeBytes int64
}

// Pixels is Width × Height.
func (e Estimate) Pixels() int64 { return int64(e.Width) * int64(e.Height) }

// Of reads the header of data (no pixel is decoded). A file that is neither JPEG nor
// PNG, or whose header cannot be read, estimates zero: the checks refuse it from the
// header without decoding.
func Of(data []byte) Estimate {
	switch {
	case len(data) >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF:
		return ofJPEG(data)
	case len(data) >= 8 && string(data[:8]) == "\x89PNG\r\n\x1a\n":
		return ofPNG(data)
	}
	return Estimate{}
}

type jpegComponent struct{ h, v int }

// ofJPEG follows image/jpeg's allocations (reader.go): the image is allocated in whole
// MCUs, a component of sampling h×v holds (8·h·mxx)×(8·v·myy) bytes; a progressive
// file also keeps one [64]int32 block per 8×8 block of every component until the end;
// four components add a black plane and a CMYK image, an RGB (not YCbCr) file an RGBA one.
func ofJPEG(data []byte) Estimate {
	var (
		adobeRGB bool // APP14 "Adobe" with transform 0: the components are R, G, B
		sofSeen  bool
	)
	i := 2
	for i+4 <= len(data) && !sofSeen {
		if data[i] != 0xFF {
			return Estimate{Format: "jpeg"}
		}
		m := data[i+1]
		if m == 0xFF { // fill byte
			i++
			continue
		}
		if m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7) {
			i += 2
			continue
		}
		if m == 0xD9 || m == 0xDA { // end of image or scan before any frame header
			return Estimate{Format: "jpeg"}
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return Estimate{Format: "jpeg"}
		}
		seg := data[i+4 : i+2+n]
		i += 2 + n
		switch m {
		case 0xEE:
			if len(seg) >= 12 && string(seg[:5]) == "Adobe" && seg[11] == 0 {
				adobeRGB = true
			}
		case 0xC0, 0xC1, 0xC2:
			return jpegFrame(seg, m == 0xC2, adobeRGB)
		}
	}
	return Estimate{Format: "jpeg"}
}

func jpegFrame(seg []byte, progressive, adobeRGB bool) Estimate {
	if len(seg) < 6 {
		return Estimate{Format: "jpeg"}
	}
	h := int(binary.BigEndian.Uint16(seg[1:]))
	w := int(binary.BigEndian.Uint16(seg[3:]))
	nc := int(seg[5])
	if len(seg) < 6+3*nc || nc == 0 {
		return Estimate{Format: "jpeg", Width: w, Height: h}
	}
	comps := make([]jpegComponent, nc)
	hmax, vmax := 1, 1
	rgbIDs := nc == 3
	for k := range comps {
		c := seg[6+3*k:]
		comps[k] = jpegComponent{h: max(1, int(c[1]>>4)), v: max(1, int(c[1]&0x0F))}
		hmax, vmax = max(hmax, comps[k].h), max(vmax, comps[k].v)
		rgbIDs = rgbIDs && c[0] == "RGB"[k]
	}
	if nc == 1 { // image/jpeg ignores a lone component's sampling factors
		comps[0], hmax, vmax = jpegComponent{1, 1}, 1, 1
	}
	mxx := int64((w + 8*hmax - 1) / (8 * hmax))
	myy := int64((h + 8*vmax - 1) / (8 * vmax))
	var planes, blocks int64
	for _, c := range comps {
		b := mxx * int64(c.h) * myy * int64(c.v)
		blocks += b
		planes += 64 * b
	}
	total := planes
	if progressive {
		total += 256 * blocks // [64]int32 per block
	}
	px := int64(w) * int64(h)
	switch {
	case nc == 4:
		total += 4 * px // CMYK image (the black plane is counted among the planes)
	case nc == 3 && (adobeRGB || rgbIDs):
		total += 4 * px // converted to RGBA
	}
	return Estimate{Format: "jpeg", Width: w, Height: h, DecodeBytes: total}
}

// ofPNG follows image/png: the image type (bytes a pixel) comes from the colour type
// and bit depth, a tRNS chunk turns grey and RGB into NRGBA, an interlaced file holds
// each pass beside the final image.
func ofPNG(data []byte) Estimate {
	const ihdrEnd = 8 + 8 + 13
	if len(data) < ihdrEnd+4 || string(data[12:16]) != "IHDR" {
		return Estimate{Format: "png"}
	}
	w := int(binary.BigEndian.Uint32(data[16:]))
	h := int(binary.BigEndian.Uint32(data[20:]))
	depth, ct, interlaced := data[24], data[25], data[28] == 1
	if w <= 0 || h <= 0 || w > 1<<24 || h > 1<<24 {
		return Estimate{Format: "png"}
	}
	trns := false
	for i := ihdrEnd + 4; i+8 <= len(data); {
		n := int(binary.BigEndian.Uint32(data[i:]))
		typ := string(data[i+4 : i+8])
		if typ == "IDAT" || n < 0 || n > len(data) {
			break
		}
		if typ == "tRNS" {
			trns = true
		}
		i += 12 + n
	}
	wide := depth == 16
	var bpp int64
	switch ct {
	case 0: // grey
		bpp = 1
		if wide {
			bpp = 2
		}
		if trns {
			bpp = 4
			if wide {
				bpp = 8
			}
		}
	case 3: // palette
		bpp = 1
	default: // RGB, grey+alpha, RGBA (and anything unknown: the widest)
		bpp = 4
		if wide {
			bpp = 8
		}
	}
	px := int64(w) * int64(h)
	total := bpp * px
	if interlaced {
		total *= 2
	}
	// Two rows of raw samples (current and previous) for the filters.
	total += 2 * int64(w) * 8
	return Estimate{Format: "png", Width: w, Height: h, DecodeBytes: total}
}
