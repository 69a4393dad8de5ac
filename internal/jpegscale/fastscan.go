// Copyright 2026 The gradphoto authors. The decoder this extends is Go's
// image/jpeg, Copyright 2009 The Go Authors, under the BSD licence in LICENSE.

package jpegscale

import "encoding/binary"

// fastBlocks turns decodeBlockFast on; the tests turn it off to compare with
// the slow path alone, image/jpeg's own block decode.
var fastBlocks = true

// decodeBlockFast is processSOS's block decode (not a refinement: ah == 0)
// with the bits taken 64 at a time straight from d.bytes.buf, the Huffman
// codes and the extra bits decoded from them in registers, as image/jpeg's
// decodeHuffman and receiveExtend decode them: the same lookup table, the same
// code-by-code search past it, the same bits consumed.
//
// nz has a bit set for each natural position written in b (a superset of its
// non-zero coefficients, for reconstructBlock). ok is false, having changed
// nothing but b (not even *dc), when the block needs a byte
// not yet buffered or past a marker, or anything else out of the ordinary
// (an end-of-band run, a bad code, an excessive DC): the caller then decodes
// the block the slow way from the same state, so errors and the ends of
// segments are image/jpeg's own.
//
// On success the bits not consumed are given back down to fewer than 8 (the
// whole bytes return to d.bytes, an 0xff one as its two stuffed bytes), where
// image/jpeg's reader may hold up to 14: the next reads take the same bytes,
// and at a marker image/jpeg gives its extra byte back too (readFull), so the
// stream is read the same.
func (d *decoder) decodeBlockFast(b *block, dcHuff, acHuff *huffman, dc *int32, zigStart, zigEnd int32, al uint32) (nz uint64, ok bool) {
	if d.eobRun != 0 || acHuff.nCodes == 0 || (zigStart == 0 && dcHuff.nCodes == 0) {
		return 0, false
	}
	buf := &d.bytes.buf
	i, j := d.bytes.i, d.bytes.j
	// The low n bits of acc are the unread ones.
	acc, n := uint64(d.bits.a), uint(d.bits.n)
	zig, newDC := zigStart, *dc
	if zig == 0 {
		if n < 32 {
			if i, acc, n = refill(buf, i, j, acc, n); n < 32 {
				return 0, false
			}
		}
		value, l := huffLookup(dcHuff, uint32(acc>>(n-16))&0xffff)
		if l == 0 || value > 16 {
			return 0, false
		}
		n -= l
		t := uint(value)
		s := int32(1) << t
		x := int32(acc>>((n-t)&63)) & (s - 1)
		x += (x - s>>1) >> 31 & (1 - s)
		n -= t
		newDC += x
		b[0] = newDC << al
		nz = 1
		zig++
	}
	for ; zig <= zigEnd; zig++ {
		if n < 32 {
			if i, acc, n = refill(buf, i, j, acc, n); n < 32 {
				return 0, false
			}
		}
		value, l := huffLookup(acHuff, uint32(acc>>(n-16))&0xffff)
		if l == 0 {
			return 0, false
		}
		n -= l
		val0, val1 := int32(value>>4), uint(value&0x0f)
		if val1 != 0 {
			zig += val0
			if zig > zigEnd {
				break
			}
			s := int32(1) << val1
			x := int32(acc>>((n-val1)&63)) & (s - 1)
			x += (x - s>>1) >> 31 & (1 - s)
			n -= val1
			nat := unzig[zig&(blockSize-1)] & (blockSize - 1)
			b[nat] = x << al
			nz |= 1 << nat
			continue
		}
		if val0 != 0x0f {
			if val0 != 0 {
				return 0, false // an end-of-band run: rare, the slow way
			}
			break // end of block: image/jpeg's eobRun goes 1, then 0
		}
		zig += 0x0f
	}
	// Give back the whole bytes not consumed.
	// (acc's low byte is the last one taken.)
	for ; n >= 8; n -= 8 {
		if uint8(acc) == 0xff {
			i -= 2
		} else {
			i--
		}
		acc >>= 8
	}
	d.bits = bits{a: uint32(acc), n: int32(n)}
	if n > 0 {
		d.bits.m = 1 << (n - 1)
	}
	d.bytes.i = i
	d.bytes.nUnreadable = 0
	*dc = newDC
	return nz, true
}

// decodeBlockFastIf is decodeBlockFast when fastBlocks is on.
func (d *decoder) decodeBlockFastIf(b *block, dcHuff, acHuff *huffman, dc *int32, zigStart, zigEnd int32, al uint32) (nz uint64, ok bool) {
	if !fastBlocks {
		return 0, false
	}
	return d.decodeBlockFast(b, dcHuff, acHuff, dc, zigStart, zigEnd, al)
}

// huffLookup decodes the code at the top of the 16 bits peek as decodeHuffman
// does with 16 bits at hand, returning the value and the code's length, 0 for
// a bad code.
func huffLookup(h *huffman, peek uint32) (uint8, uint) {
	if v := h.lut11[(peek>>5)&(1<<11-1)]; v != 0 {
		return uint8(v >> 8), uint(v & 0xff)
	}
	return huffLookupLong(h, peek)
}

// huffLookupLong is decodeHuffman's slow path: the code lengths in turn.
func huffLookupLong(h *huffman, peek uint32) (uint8, uint) {
	for i := 0; i < maxCodeLength; i++ {
		code := int32(peek >> (15 - i))
		if code <= h.maxCodes[i] {
			return h.vals[h.valsIndices[i]+code-h.minCodes[i]], uint(i + 1)
		}
	}
	return 0, 0
}

// refill appends whole bytes from buf[i:j] to the n bits of acc, unstuffing
// 0xff 0x00, while they fit in 64 bits; it stops before a marker or the end of
// the buffered bytes.
func refill(buf *[4096]byte, i, j int, acc uint64, n uint) (int, uint64, uint) {
	if i+8 <= j {
		w := binary.BigEndian.Uint64(buf[i:])
		if v := ^w; (v-0x0101010101010101)&^v&0x8080808080808080 == 0 {
			// No 0xff among the next 8 bytes: take as many as fit.
			k := (64 - n) / 8
			return i + int(k), acc<<(8*k) | w>>(64-8*k), n + 8*k
		}
	}
	for n <= 56 && i < j {
		c := buf[i]
		if c == 0xff {
			if i+1 >= j || buf[i+1] != 0x00 {
				break
			}
			i++
		}
		i++
		acc = acc<<8 | uint64(c)
		n += 8
	}
	return i, acc, n
}
