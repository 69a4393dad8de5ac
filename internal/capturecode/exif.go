package capturecode

import (
	"encoding/binary"
)

// EXIF orientation values (TIFF tag 0x0112): how the stored pixels must be
// transformed to be shown upright. Phones write 6 for a portrait camera photo.
const (
	orientNormal     = 1
	orientFlipH      = 2
	orientRotate180  = 3
	orientFlipV      = 4
	orientTranspose  = 5
	orientRotate90   = 6 // rotate 90° clockwise to display
	orientTransverse = 7
	orientRotate270  = 8 // rotate 90° counter-clockwise to display
)

// jpegOrientation reads the EXIF orientation from a JPEG's APP1 segment. It is a
// bounds-checked scan of the marker segments before the image data, so hostile
// files cost nothing; anything unexpected means "upright".
func jpegOrientation(b []byte) int {
	i := 2 // after SOI
	for i+4 <= len(b) {
		if b[i] != 0xFF {
			return orientNormal
		}
		marker := b[i+1]
		switch {
		case marker == 0xFF: // fill byte
			i++
			continue
		case marker == 0xD8, marker == 0x01, marker >= 0xD0 && marker <= 0xD7: // no length
			i += 2
			continue
		case marker == 0xDA, marker == 0xD9: // image data starts: no EXIF after this
			return orientNormal
		}
		segLen := int(binary.BigEndian.Uint16(b[i+2:]))
		if segLen < 2 || i+2+segLen > len(b) {
			return orientNormal
		}
		seg := b[i+4 : i+2+segLen]
		if marker == 0xE1 && len(seg) >= 6 && string(seg[:6]) == "Exif\x00\x00" {
			if o := tiffOrientation(seg[6:]); o != 0 {
				return o
			}
		}
		i += 2 + segLen
	}
	return orientNormal
}

// pngOrientation reads the orientation from a PNG eXIf chunk, which must precede IDAT.
func pngOrientation(b []byte) int {
	i := 8 // after the signature
	for i+8 <= len(b) {
		n := int(binary.BigEndian.Uint32(b[i:]))
		typ := string(b[i+4 : i+8])
		if n < 0 || n > len(b)-i-12 || typ == "IDAT" || typ == "IEND" {
			return orientNormal
		}
		if typ == "eXIf" {
			if o := tiffOrientation(b[i+8 : i+8+n]); o != 0 {
				return o
			}
			return orientNormal
		}
		i += 12 + n
	}
	return orientNormal
}

// tiffOrientation finds tag 0x0112 in IFD0 of a TIFF structure; 0 when absent or invalid.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0
	}
	if bo.Uint16(t[2:]) != 42 {
		return 0
	}
	off := uint64(bo.Uint32(t[4:]))
	if off+2 > uint64(len(t)) {
		return 0
	}
	count := int(bo.Uint16(t[off:]))
	for k := 0; k < count; k++ {
		e := off + 2 + 12*uint64(k)
		if e+12 > uint64(len(t)) {
			return 0
		}
		if bo.Uint16(t[e:]) != 0x0112 {
			continue
		}
		if bo.Uint16(t[e+2:]) != 3 { // SHORT
			return 0
		}
		if v := int(bo.Uint16(t[e+8:])); v >= orientNormal && v <= orientRotate270 {
			return v
		}
		return 0
	}
	return 0
}
