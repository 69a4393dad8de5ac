// Copyright 2011 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package jpegscale

import (
	"bufio"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"io"
	mbits "math/bits"
)

type quantIndex int

const (
	quantIndexLuminance quantIndex = iota
	quantIndexChrominance
	nQuantIndex
)

// unscaledQuant are the unscaled quantization tables in zig-zag order. Each
// encoder copies and scales the tables according to its quality parameter.
// The values are derived from section K.1 of the spec, after converting from
// natural to zig-zag order.
var unscaledQuant = [nQuantIndex][blockSize]byte{
	// Luminance.
	{
		16, 11, 12, 14, 12, 10, 16, 14,
		13, 14, 18, 17, 16, 19, 24, 40,
		26, 24, 22, 22, 24, 49, 35, 37,
		29, 40, 58, 51, 61, 60, 57, 51,
		56, 55, 64, 72, 92, 78, 64, 68,
		87, 69, 55, 56, 80, 109, 81, 87,
		95, 98, 103, 104, 103, 62, 77, 113,
		121, 112, 100, 120, 92, 101, 103, 99,
	},
	// Chrominance.
	{
		17, 18, 18, 24, 21, 24, 47, 26,
		26, 47, 99, 66, 56, 66, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
	},
}

type huffIndex int

const (
	huffIndexLuminanceDC huffIndex = iota
	huffIndexLuminanceAC
	huffIndexChrominanceDC
	huffIndexChrominanceAC
	nHuffIndex
)

// huffmanSpec specifies a Huffman encoding.
type huffmanSpec struct {
	// count[i] is the number of codes of length i+1 bits.
	count [16]byte
	// value[i] is the decoded value of the i'th codeword.
	value []byte
}

// theHuffmanSpec is the Huffman encoding specifications.
//
// This encoder uses the same Huffman encoding for all images. It is also the
// same Huffman encoding used by section K.3 of the spec.
//
// The DC tables have 12 decoded values, called categories.
//
// The AC tables have 162 decoded values: bytes that pack a 4-bit Run and a
// 4-bit Size. There are 16 valid Runs and 10 valid Sizes, plus two special R|S
// cases: 0|0 (meaning EOB) and F|0 (meaning ZRL).
var theHuffmanSpec = [nHuffIndex]huffmanSpec{
	// Luminance DC.
	{
		[16]byte{0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0},
		[]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11},
	},
	// Luminance AC.
	{
		[16]byte{0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 125},
		[]byte{
			0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12,
			0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
			0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08,
			0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
			0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16,
			0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
			0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39,
			0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
			0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59,
			0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
			0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79,
			0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
			0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98,
			0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
			0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6,
			0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5,
			0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4,
			0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
			0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea,
			0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
			0xf9, 0xfa,
		},
	},
	// Chrominance DC.
	{
		[16]byte{0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0},
		[]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11},
	},
	// Chrominance AC.
	{
		[16]byte{0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 119},
		[]byte{
			0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21,
			0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
			0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91,
			0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0,
			0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34,
			0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26,
			0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38,
			0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
			0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58,
			0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
			0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78,
			0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
			0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96,
			0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5,
			0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4,
			0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3,
			0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2,
			0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda,
			0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9,
			0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
			0xf9, 0xfa,
		},
	},
}

// huffCode[h][v] is the Huffman code of value v in table h: the codeword in
// the high 24 bits, its length in bits in the low 8 (0 for a value the table
// does not have). A full 256 entries, so a byte indexes it without a bounds check.
var huffCode [nHuffIndex][256]uint32

func init() {
	for i, s := range theHuffmanSpec {
		code, k := uint32(0), 0
		for n := range s.count {
			for range s.count[n] {
				huffCode[i][s.value[k]] = code<<8 | uint32(n+1)
				code++
				k++
			}
			code <<= 1
		}
	}
}

// writer is a buffered writer.
type writer interface {
	Flush() error
	io.Writer
	io.ByteWriter
}

// encoder encodes an image to the JPEG format.
type encoder struct {
	// w is the writer to write to. err is the first error encountered during
	// writing. All attempted writes after the first error become no-ops.
	w   writer
	err error
	// buf is a scratch buffer.
	buf [16]byte
	// The entropy-coded scan: acc's low nAcc (< 8) bits are not yet in scan,
	// whose first nScan bytes are not yet written to w (see writeBlock).
	acc   uint64
	nAcc  uint
	scan  []byte
	nScan int
	// quant is the scaled quantization tables, in zig-zag order.
	quant [nQuantIndex][blockSize]byte
	// recip[q][zig] is ⌈2³²/(8·quant[q][zig])⌉: quantising multiplies by it
	// instead of dividing, with the same quotient (see quantize).
	recip [nQuantIndex][blockSize]uint64
}

// quantize is image/jpeg's div(a, 8*quant), rounding half away from zero,
// computed as a multiplication by recip = ⌈2³²/(8·quant)⌉, without a branch.
// For n < 2³²/d (d ≤ 8·255 = 2040, so n up to about 2.1 million)
// ⌊n·⌈2³²/d⌉/2³²⌋ = ⌊n/d⌋ exactly (TestQuantizeIsDivision); the forward DCT
// of 8-bit samples stays within ±2¹⁴ (TestFDCTRange).
func quantize(a int32, quant byte, recip uint64) int32 {
	sign := a >> 31 // 0 or -1: |a| is (a^sign)-sign, and back the same way
	r := int32(uint64(uint32(a^sign-sign+int32(quant)<<2)) * recip >> 32)
	return r ^ sign - sign
}

func (e *encoder) flush() {
	if e.err != nil {
		return
	}
	e.err = e.w.Flush()
}

func (e *encoder) write(p []byte) {
	if e.err != nil {
		return
	}
	_, e.err = e.w.Write(p)
}

func (e *encoder) writeByte(b byte) {
	if e.err != nil {
		return
	}
	e.err = e.w.WriteByte(b)
}

// put appends the n low bits of bits (n ≤ 32, bits < 1<<n) to the scan, whose
// first i bytes are written: acc's low nAcc (< 8) bits are those not yet in
// scan, before and after (the bits above them are stale). The whole bytes go
// out byte stuffed, as image/jpeg's emit writes them. All eight bytes of the
// left-aligned acc are stored at i and i moves past the whole ones, so the
// only branch is the rare 0xff one; scan has room (see writeBlock).
func put(scan []byte, i int, acc uint64, nAcc uint, bits uint64, n uint) (uint64, uint, int) {
	acc = acc<<(n&63) | bits
	nAcc += n
	w := acc << ((64 - nAcc) & 63)
	binary.BigEndian.PutUint64(scan[i:], w)
	// A 0xff byte in w (the bytes below the whole ones never are: their bits
	// end in zeros) is a zero byte in ^w.
	if v := ^w; (v-0x0101010101010101)&^v&0x8080808080808080 != 0 {
		return acc, nAcc & 7, stuff(scan, i, w, nAcc>>3)
	}
	return acc, nAcc & 7, i + int(nAcc>>3)
}

// stuff writes the k high bytes of w at scan[i:], each 0xff followed by 0x00,
// and returns where they end. (Not inlined: put must be.)
//
//go:noinline
func stuff(scan []byte, i int, w uint64, k uint) int {
	for ; k > 0; k-- {
		b := byte(w >> 56)
		scan[i] = b
		i++
		if b == 0xff {
			scan[i] = 0
			i++
		}
		w <<= 8
	}
	return i
}

// putValue appends the code of run|size from the Huffman table h and then
// the size low bits of v's JPEG representation (v-1 for a negative v), in one
// put, as image/jpeg's emitHuffRLE does in two.
func putValue(scan []byte, i int, acc uint64, nAcc uint, h *[256]uint32, run int, v int32) (uint64, uint, int) {
	sign := v >> 31 // 0 or -1
	size := uint(mbits.Len32(uint32(v ^ sign - sign)))
	x := h[uint8(run<<4|int(size))]
	return put(scan, i, acc, nAcc, uint64(x>>8)<<size|uint64(uint32(v+sign))&(1<<(size&63)-1), uint(x&0xff)+size)
}

// flushScan writes the scan bytes emitted so far.
func (e *encoder) flushScan() {
	e.write(e.scan[:e.nScan])
	e.nScan = 0
}

// writeMarkerHeader writes the header for a marker with the given length.
func (e *encoder) writeMarkerHeader(marker uint8, markerlen int) {
	e.buf[0] = 0xff
	e.buf[1] = marker
	e.buf[2] = uint8(markerlen >> 8)
	e.buf[3] = uint8(markerlen & 0xff)
	e.write(e.buf[:4])
}

// writeDQT writes the Define Quantization Table marker.
func (e *encoder) writeDQT() {
	const markerlen = 2 + int(nQuantIndex)*(1+blockSize)
	e.writeMarkerHeader(dqtMarker, markerlen)
	for i := range e.quant {
		e.writeByte(uint8(i))
		e.write(e.quant[i][:])
	}
}

// writeSOF0 writes the Start Of Frame (Baseline Sequential) marker.
func (e *encoder) writeSOF0(size image.Point, nComponent int) {
	markerlen := 8 + 3*nComponent
	e.writeMarkerHeader(sof0Marker, markerlen)
	e.buf[0] = 8 // 8-bit color.
	e.buf[1] = uint8(size.Y >> 8)
	e.buf[2] = uint8(size.Y & 0xff)
	e.buf[3] = uint8(size.X >> 8)
	e.buf[4] = uint8(size.X & 0xff)
	e.buf[5] = uint8(nComponent)
	if nComponent == 1 {
		e.buf[6] = 1
		// No subsampling for grayscale image.
		e.buf[7] = 0x11
		e.buf[8] = 0x00
	} else {
		for i := 0; i < nComponent; i++ {
			e.buf[3*i+6] = uint8(i + 1)
			// We use 4:2:0 chroma subsampling.
			e.buf[3*i+7] = "\x22\x11\x11"[i]
			e.buf[3*i+8] = "\x00\x01\x01"[i]
		}
	}
	e.write(e.buf[:3*(nComponent-1)+9])
}

// writeDHT writes the Define Huffman Table marker.
func (e *encoder) writeDHT(nComponent int) {
	markerlen := 2
	specs := theHuffmanSpec[:]
	if nComponent == 1 {
		// Drop the Chrominance tables.
		specs = specs[:2]
	}
	for _, s := range specs {
		markerlen += 1 + 16 + len(s.value)
	}
	e.writeMarkerHeader(dhtMarker, markerlen)
	for i, s := range specs {
		e.writeByte("\x00\x10\x01\x11"[i])
		e.write(s.count[:])
		e.write(s.value)
	}
}

// scanFlush is the size at which the scan bytes go to w; scan has scanSlack
// more, room for any one block (at most 68 puts of at most 8 bytes each, and
// put's 8-byte store) and the final padding.
const (
	scanFlush = 1 << 15
	scanSlack = 1 << 10
)

// writeFlatBlock is writeBlock for a block of one level v: the transform's
// only non-zero coefficient is the DC, 64·(v-128) (TestFlatFDCT), so a DC
// code and an end of block.
func (e *encoder) writeFlatBlock(v uint8, q quantIndex, prevDC int32) int32 {
	dc := quantize(64*(int32(v)-128), e.quant[q][0], e.recip[q][0])
	e.acc, e.nAcc, e.nScan = putValue(e.scan, e.nScan, e.acc, e.nAcc, &huffCode[2*q], 0, dc-prevDC)
	x := huffCode[2*q+1][0x00]
	e.acc, e.nAcc, e.nScan = put(e.scan, e.nScan, e.acc, e.nAcc, uint64(x>>8), uint(x&0xff))
	return dc
}

// flatSamples reports whether the 8×8 samples at src (rows stride apart) are
// all one value, and which: a uniform background's blocks are.
func flatSamples(src []byte, stride int) (uint8, bool) {
	r0 := binary.LittleEndian.Uint64(src[:8])
	v := uint8(r0)
	if r0 != uint64(v)*0x0101010101010101 {
		return 0, false
	}
	for y := 1; y < 8; y++ {
		if binary.LittleEndian.Uint64(src[y*stride:y*stride+8]) != r0 {
			return 0, false
		}
	}
	return v, true
}

// zigNat is unzig as bytes (masked, they index a block without a bounds check).
var zigNat = func() (z [blockSize]uint8) {
	for i, n := range unzig {
		z[i] = uint8(n)
	}
	return z
}()

// pixBlock is an 8×8 block of samples, in natural order.
type pixBlock [blockSize]uint8

// writeBlock writes a block of pixel data using the given quantization table,
// returning the post-quantized DC value of the DCT-transformed block. The
// block's samples are at src, its rows stride apart.
//
// The bytes are image/jpeg's. The coefficients are quantised first, with a
// mask of the non-zero ones, and the loop visits only those (the zero runs are
// the distances between them), with the scan state in registers.
func (e *encoder) writeBlock(src []byte, stride int, q quantIndex, prevDC int32) int32 {
	if e.nScan >= scanFlush {
		e.flushScan()
	}
	if v, ok := flatSamples(src, stride); ok {
		return e.writeFlatBlock(v, q, prevDC)
	}
	qt, rc := &e.quant[q], &e.recip[q]
	var b block
	fdct(&b, src, stride)
	var z block // quantised, in zig-zag order
	var nz uint64
	for zig := range blockSize {
		r := quantize(b[zigNat[zig]&(blockSize-1)], qt[zig], rc[zig])
		z[zig] = r
		nz |= uint64(uint32(r|-r)>>31) << zig
	}
	scan, i, acc, nAcc := e.scan, e.nScan, e.acc, e.nAcc
	acc, nAcc, i = putValue(scan, i, acc, nAcc, &huffCode[2*q], 0, z[0]-prevDC)
	h := &huffCode[2*q+1]
	last := 0
	for nz &^= 1; nz != 0; nz &= nz - 1 {
		zig := mbits.TrailingZeros64(nz)
		run := zig - last - 1
		for ; run > 15; run -= 16 {
			x := h[0xf0]
			acc, nAcc, i = put(scan, i, acc, nAcc, uint64(x>>8), uint(x&0xff))
		}
		// putValue, by hand (put is too big for the compiler to inline).
		v := z[zig&(blockSize-1)]
		sign := v >> 31
		size := uint(mbits.Len32(uint32(v ^ sign - sign)))
		x := h[uint8(run<<4|int(size))]
		n := uint(x&0xff) + size
		// (The shifts are masked to 6 bits, which they are: no code for
		// wider ones.)
		acc = acc<<(n&63) | uint64(x>>8)<<(size&63) | uint64(uint32(v+sign))&(1<<(size&63)-1)
		nAcc += n
		w := acc << ((64 - nAcc) & 63)
		binary.BigEndian.PutUint64(scan[i:], w)
		if v := ^w; (v-0x0101010101010101)&^v&0x8080808080808080 != 0 {
			i = stuff(scan, i, w, nAcc>>3)
		} else {
			i += int(nAcc >> 3)
		}
		nAcc &= 7
		last = zig
	}
	if last != blockSize-1 {
		x := h[0x00]
		acc, nAcc, i = put(scan, i, acc, nAcc, uint64(x>>8), uint(x&0xff))
	}
	e.acc, e.nAcc, e.nScan = acc, nAcc, i
	return z[0]
}

// toYCbCr converts the 8x8 region of m whose top-left corner is p to its
// YCbCr values.
func toYCbCr(m image.Image, p image.Point, yBlock *pixBlock, cbBlock, crBlock *block) {
	b := m.Bounds()
	xmax := b.Max.X - 1
	ymax := b.Max.Y - 1
	for j := 0; j < 8; j++ {
		for i := 0; i < 8; i++ {
			r, g, b, _ := m.At(min(p.X+i, xmax), min(p.Y+j, ymax)).RGBA()
			yy, cb, cr := color.RGBToYCbCr(uint8(r>>8), uint8(g>>8), uint8(b>>8))
			yBlock[8*j+i] = yy
			cbBlock[8*j+i] = int32(cb)
			crBlock[8*j+i] = int32(cr)
		}
	}
}

// grayToY stores the 8x8 region of m whose top-left corner is p in yBlock.
func grayToY(m *image.Gray, p image.Point, yBlock *pixBlock) {
	b := m.Bounds()
	xmax := b.Max.X - 1
	ymax := b.Max.Y - 1
	pix := m.Pix
	for j := 0; j < 8; j++ {
		for i := 0; i < 8; i++ {
			idx := m.PixOffset(min(p.X+i, xmax), min(p.Y+j, ymax))
			yBlock[8*j+i] = pix[idx]
		}
	}
}

// rgbaToYCbCr is a specialized version of toYCbCr for image.RGBA images.
func rgbaToYCbCr(m *image.RGBA, p image.Point, yBlock *pixBlock, cbBlock, crBlock *block) {
	b := m.Bounds()
	xmax := b.Max.X - 1
	ymax := b.Max.Y - 1
	for j := 0; j < 8; j++ {
		sj := p.Y + j
		if sj > ymax {
			sj = ymax
		}
		offset := (sj-b.Min.Y)*m.Stride - b.Min.X*4
		for i := 0; i < 8; i++ {
			sx := p.X + i
			if sx > xmax {
				sx = xmax
			}
			pix := m.Pix[offset+sx*4:]
			yy, cb, cr := color.RGBToYCbCr(pix[0], pix[1], pix[2])
			yBlock[8*j+i] = yy
			cbBlock[8*j+i] = int32(cb)
			crBlock[8*j+i] = int32(cr)
		}
	}
}

// yCbCrToYCbCr is a specialized version of toYCbCr for image.YCbCr images.
func yCbCrToYCbCr(m *image.YCbCr, p image.Point, yBlock *pixBlock, cbBlock, crBlock *block) {
	b := m.Bounds()
	xmax := b.Max.X - 1
	ymax := b.Max.Y - 1
	for j := 0; j < 8; j++ {
		sy := p.Y + j
		if sy > ymax {
			sy = ymax
		}
		for i := 0; i < 8; i++ {
			sx := p.X + i
			if sx > xmax {
				sx = xmax
			}
			yi := m.YOffset(sx, sy)
			ci := m.COffset(sx, sy)
			yBlock[8*j+i] = m.Y[yi]
			cbBlock[8*j+i] = int32(m.Cb[ci])
			crBlock[8*j+i] = int32(m.Cr[ci])
		}
	}
}

// scale scales the 16x16 region represented by the 4 src blocks to the 8x8
// dst block.
func scale(dst *pixBlock, src *[4]block) {
	for i := 0; i < 4; i++ {
		dstOff := (i&2)<<4 | (i&1)<<2
		for y := 0; y < 4; y++ {
			for x := 0; x < 4; x++ {
				j := 16*y + 2*x
				sum := src[i][j] + src[i][j+1] + src[i][j+8] + src[i][j+9]
				dst[8*y+x+dstOff] = uint8((sum + 2) >> 2)
			}
		}
	}
}

// sosHeaderY is the SOS marker "\xff\xda" followed by 8 bytes:
//   - the marker length "\x00\x08",
//   - the number of components "\x01",
//   - component 1 uses DC table 0 and AC table 0 "\x01\x00",
//   - the bytes "\x00\x3f\x00". Section B.2.3 of the spec says that for
//     sequential DCTs, those bytes (8-bit Ss, 8-bit Se, 4-bit Ah, 4-bit Al)
//     should be 0x00, 0x3f, 0x00<<4 | 0x00.
var sosHeaderY = []byte{
	0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00,
}

// sosHeaderYCbCr is the SOS marker "\xff\xda" followed by 12 bytes:
//   - the marker length "\x00\x0c",
//   - the number of components "\x03",
//   - component 1 uses DC table 0 and AC table 0 "\x01\x00",
//   - component 2 uses DC table 1 and AC table 1 "\x02\x11",
//   - component 3 uses DC table 1 and AC table 1 "\x03\x11",
//   - the bytes "\x00\x3f\x00". Section B.2.3 of the spec says that for
//     sequential DCTs, those bytes (8-bit Ss, 8-bit Se, 4-bit Ah, 4-bit Al)
//     should be 0x00, 0x3f, 0x00<<4 | 0x00.
var sosHeaderYCbCr = []byte{
	0xff, 0xda, 0x00, 0x0c, 0x03, 0x01, 0x00, 0x02,
	0x11, 0x03, 0x11, 0x00, 0x3f, 0x00,
}

// writeSOS writes the StartOfScan marker.
func (e *encoder) writeSOS(m image.Image) {
	switch m.(type) {
	case *image.Gray:
		e.write(sosHeaderY)
	default:
		e.write(sosHeaderYCbCr)
	}
	bounds := m.Bounds()
	switch m := m.(type) {
	// TODO(wathiede): switch on m.ColorModel() instead of type.
	case *image.Gray:
		// Scratch buffer, in natural (not zig-zag) order; DC components are delta-encoded.
		var b pixBlock
		var prevDCY int32
		for y := bounds.Min.Y; y < bounds.Max.Y; y += 8 {
			for x := bounds.Min.X; x < bounds.Max.X; x += 8 {
				p := image.Pt(x, y)
				grayToY(m, p, &b)
				prevDCY = e.writeBlock(b[:], 8, 0, prevDCY)
			}
		}
	case *image.YCbCr:
		if m.SubsampleRatio == image.YCbCrSubsampleRatio420 && bounds.Dx()%16 == 0 && bounds.Dy()%16 == 0 &&
			bounds.Min.X%2 == 0 && bounds.Min.Y%2 == 0 {
			e.writeYCbCr420(m)
			break
		}
		e.writeMCUs(m, nil, m)
	default:
		rgba, _ := m.(*image.RGBA)
		e.writeMCUs(m, rgba, nil)
	}
	// Pad the last byte with 1's (the bits short of a byte are dropped).
	e.acc, e.nAcc, e.nScan = put(e.scan, e.nScan, e.acc, e.nAcc, 0x7f, 7)
	e.flushScan()
}

// writeYCbCr420 writes a 4:2:0 image whose sides are whole MCUs: the blocks are
// transformed where they are in the planes, the chroma ones as they are (writeMCUs would spread
// each chroma sample over 2×2 pixels and average them back to the same value).
// The output is byte for byte that of writeMCUs.
func (e *encoder) writeYCbCr420(m *image.YCbCr) {
	var prevDCY, prevDCCb, prevDCCr int32
	bounds := m.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y += 16 {
		for x := bounds.Min.X; x < bounds.Max.X; x += 16 {
			for i := 0; i < 4; i++ {
				prevDCY = e.writeBlock(m.Y[m.YOffset(x+(i&1)*8, y+(i&2)*4):], m.YStride, 0, prevDCY)
			}
			c := m.COffset(x, y)
			prevDCCb = e.writeBlock(m.Cb[c:], m.CStride, 1, prevDCCb)
			prevDCCr = e.writeBlock(m.Cr[c:], m.CStride, 1, prevDCCr)
		}
	}
}

// writeMCUs is image/jpeg's general colour path: 16×16 MCUs converted pixel by
// pixel, the chroma averaged down to 8×8.
func (e *encoder) writeMCUs(m image.Image, rgba *image.RGBA, ycbcr *image.YCbCr) {
	var (
		b                           pixBlock
		cb, cr                      [4]block
		prevDCY, prevDCCb, prevDCCr int32
	)
	bounds := m.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y += 16 {
		for x := bounds.Min.X; x < bounds.Max.X; x += 16 {
			for i := 0; i < 4; i++ {
				xOff := (i & 1) * 8
				yOff := (i & 2) * 4
				p := image.Pt(x+xOff, y+yOff)
				if rgba != nil {
					rgbaToYCbCr(rgba, p, &b, &cb[i], &cr[i])
				} else if ycbcr != nil {
					yCbCrToYCbCr(ycbcr, p, &b, &cb[i], &cr[i])
				} else {
					toYCbCr(m, p, &b, &cb[i], &cr[i])
				}
				prevDCY = e.writeBlock(b[:], 8, 0, prevDCY)
			}
			scale(&b, &cb)
			prevDCCb = e.writeBlock(b[:], 8, 1, prevDCCb)
			scale(&b, &cr)
			prevDCCr = e.writeBlock(b[:], 8, 1, prevDCCr)
		}
	}
}

// DefaultQuality is the default quality encoding parameter.
const DefaultQuality = 75

// Options are the encoding parameters.
// Quality ranges from 1 to 100 inclusive, higher is better.
type Options struct {
	Quality int
}

// Encode writes the Image m to w in JPEG 4:2:0 baseline format with the given
// options. Default parameters are used if a nil *[Options] is passed.
func Encode(w io.Writer, m image.Image, o *Options) error {
	b := m.Bounds()
	if b.Dx() >= 1<<16 || b.Dy() >= 1<<16 {
		return errors.New("jpeg: image is too large to encode")
	}
	var e encoder
	e.scan = make([]byte, scanFlush+scanSlack)
	if ww, ok := w.(writer); ok {
		e.w = ww
	} else {
		e.w = bufio.NewWriter(w)
	}
	// Clip quality to [1, 100].
	quality := DefaultQuality
	if o != nil {
		quality = o.Quality
		if quality < 1 {
			quality = 1
		} else if quality > 100 {
			quality = 100
		}
	}
	// Convert from a quality rating to a scaling factor.
	var scale int
	if quality < 50 {
		scale = 5000 / quality
	} else {
		scale = 200 - quality*2
	}
	// Initialize the quantization tables.
	for i := range e.quant {
		for j := range e.quant[i] {
			x := int(unscaledQuant[i][j])
			x = (x*scale + 50) / 100
			if x < 1 {
				x = 1
			} else if x > 255 {
				x = 255
			}
			e.quant[i][j] = uint8(x)
			e.recip[i][j] = (1<<32 + uint64(8*x) - 1) / uint64(8*x)
		}
	}
	// Compute number of components based on input image type.
	nComponent := 3
	switch m.(type) {
	// TODO(wathiede): switch on m.ColorModel() instead of type.
	case *image.Gray:
		nComponent = 1
	}
	// Write the Start Of Image marker.
	e.buf[0] = 0xff
	e.buf[1] = 0xd8
	e.write(e.buf[:2])
	// Write the quantization tables.
	e.writeDQT()
	// Write the image dimensions.
	e.writeSOF0(b.Size(), nComponent)
	// Write the Huffman tables.
	e.writeDHT(nComponent)
	// Write the image data.
	e.writeSOS(m)
	// Write the End Of Image marker.
	e.buf[0] = 0xff
	e.buf[1] = 0xd9
	e.write(e.buf[:2])
	e.flush()
	return e.err
}
