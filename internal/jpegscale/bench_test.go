package jpegscale

import (
	"bytes"
	"image/jpeg"
	"testing"
)

// The fork against image/jpeg on a 480×640 quality-95 image of gradients and
// ripples (no flat blocks), and at 1/2 scale.
func benchDecode(b *testing.B, decode func([]byte) error) {
	data := encodeStd(&testing.T{}, testImage(480, 640), 95)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if err := decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkImageJPEG480(b *testing.B) {
	benchDecode(b, func(d []byte) error { _, err := jpeg.Decode(bytes.NewReader(d)); return err })
}

func BenchmarkDecode480(b *testing.B) {
	benchDecode(b, func(d []byte) error { _, err := DecodeScaled(bytes.NewReader(d), 1); return err })
}

func BenchmarkDecode480Half(b *testing.B) {
	benchDecode(b, func(d []byte) error { _, err := DecodeScaled(bytes.NewReader(d), 2); return err })
}
