// Package bomb writes decompression bombs: small files whose decode needs hundreds of
// megabytes. The memory-budget tests and `make loadtest` generate them instead of
// keeping binary fixtures.
package bomb

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// ProgressiveJPEG writes a w×h progressive JPEG of comps components (1 or 3, no
// subsampling) that has only its DC scan: every 8×8 block is flat, most cost one bit,
// so a 5400×7200 colour image is ~230 KB while image/jpeg holds every coefficient of
// every block as int32 (~580 MB). When qr is not empty, the luma draws that payload as
// a QR code of 8-pixel modules, so the image is also a plausible 采集码 photo.
func ProgressiveJPEG(w, h, comps int, qr string) ([]byte, error) {
	bw, bh := (w+7)/8, (h+7)/8
	dark := func(bx, by int) bool { return false }
	if qr != "" {
		side := min(bw, bh) * 2 / 3
		m, err := qrcode.NewQRCodeWriter().Encode(qr, gozxing.BarcodeFormat_QR_CODE, side, side, nil)
		if err != nil {
			return nil, err
		}
		ox, oy := (bw-side)/2, (bh-side)/2
		dark = func(bx, by int) bool {
			x, y := bx-ox, by-oy
			return x >= 0 && y >= 0 && x < m.GetWidth() && y < m.GetHeight() && m.Get(x, y)
		}
	}
	var out bytes.Buffer
	seg := func(marker byte, body []byte) {
		out.Write([]byte{0xFF, marker})
		_ = binary.Write(&out, binary.BigEndian, uint16(len(body)+2))
		out.Write(body)
	}
	out.Write([]byte{0xFF, 0xD8})
	seg(0xDB, append([]byte{0}, bytes.Repeat([]byte{1}, 64)...)) // quantisation: all 1
	sof := []byte{8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), byte(comps)}
	for c := 0; c < comps; c++ {
		sof = append(sof, byte(c+1), 0x11, 0)
	}
	seg(0xC2, sof)
	// DC table: category 0 (no change) has the 1-bit code 0; categories 1–11 five bits.
	dht := []byte{0x00, 1, 0, 0, 0, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	for cat := 0; cat <= 11; cat++ {
		dht = append(dht, byte(cat))
	}
	seg(0xC4, dht)
	sos := []byte{byte(comps)}
	for c := 0; c < comps; c++ {
		sos = append(sos, byte(c+1), 0x00)
	}
	seg(0xDA, append(sos, 0, 0, 0)) // Ss=0, Se=0, Ah=Al=0: the DC-first scan
	bits := bitWriter{out: &out}
	pred := make([]int, comps)
	for by := 0; by < bh; by++ {
		for bx := 0; bx < bw; bx++ {
			for c := 0; c < comps; c++ {
				dc := 0 // mid grey (level shift): chroma neutral
				if c == 0 {
					dc = 8 * 127 // white
					if dark(bx, by) {
						dc = -8 * 128
					}
				}
				bits.dc(dc - pred[c])
				pred[c] = dc
			}
		}
	}
	bits.flush()
	out.Write([]byte{0xFF, 0xD9})
	return out.Bytes(), nil
}

type bitWriter struct {
	out  *bytes.Buffer
	acc  uint32
	nacc uint
}

func (b *bitWriter) put(v uint32, n uint) {
	for i := int(n) - 1; i >= 0; i-- {
		b.acc = b.acc<<1 | (v>>uint(i))&1
		b.nacc++
		if b.nacc == 8 {
			b.emit(byte(b.acc))
			b.acc, b.nacc = 0, 0
		}
	}
}

func (b *bitWriter) emit(c byte) {
	b.out.WriteByte(c)
	if c == 0xFF {
		b.out.WriteByte(0) // byte stuffing
	}
}

// dc writes one DC difference with the table of ProgressiveJPEG.
func (b *bitWriter) dc(diff int) {
	mag := diff
	if mag < 0 {
		mag = -mag
	}
	cat := uint(0)
	for mag>>cat != 0 {
		cat++
	}
	if cat == 0 {
		b.put(0, 1)
		return
	}
	b.put(0b10000+uint32(cat-1), 5)
	v := diff
	if diff < 0 {
		v = diff + (1 << cat) - 1
	}
	b.put(uint32(v), cat)
}

func (b *bitWriter) flush() {
	for b.nacc != 0 {
		b.put(1, 1)
	}
}

// PNG16 writes a w×h 16-bit RGBA PNG of one flat colour: ~0.1 % of its decoded size
// (image/png returns an NRGBA64, 8 bytes a pixel: 392 MB for 7000×7000).
func PNG16(w, h int) ([]byte, error) {
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, body []byte) {
		_ = binary.Write(&out, binary.BigEndian, uint32(len(body)))
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(body)
		out.WriteString(typ)
		out.Write(body)
		_ = binary.Write(&out, binary.BigEndian, crc.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 16, 6 // 16-bit RGBA
	chunk("IHDR", ihdr)
	var z bytes.Buffer
	zw, err := zlib.NewWriterLevel(&z, zlib.BestCompression)
	if err != nil {
		return nil, err
	}
	row := make([]byte, 1+w*8) // filter 0, transparent black
	for y := 0; y < h; y++ {
		if _, err := zw.Write(row); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	return out.Bytes(), nil
}
