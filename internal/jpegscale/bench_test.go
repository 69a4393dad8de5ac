package jpegscale

import (
	"bytes"
	"image"
	"image/jpeg"
	"os"
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

// photo480 is a real 480×640 photo (the photo package's accepted standard photo)
// as the 4:2:0 planes the photo check encodes its standard photo from.
func photo480(b testing.TB) *image.YCbCr {
	data, err := os.ReadFile("../photo/testdata/standard_480x640.jpg")
	if err != nil {
		b.Skip(err)
	}
	m, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	ycc, ok := m.(*image.YCbCr)
	if !ok || ycc.SubsampleRatio != image.YCbCrSubsampleRatio420 || ycc.Bounds() != image.Rect(0, 0, 480, 640) {
		b.Fatalf("%T %v: want a 480×640 4:2:0 image", m, m.Bounds())
	}
	return ycc
}

// BenchmarkEncode480Photo is the photo check's standard-photo encode: 480×640
// 4:2:0 at quality 95 (BenchmarkImageJPEGEncode480Photo is image/jpeg's).
func BenchmarkEncode480Photo(b *testing.B) {
	benchEncode(b, func(w *bytes.Buffer, m image.Image) error { return Encode(w, m, &Options{Quality: 95}) })
}

func BenchmarkImageJPEGEncode480Photo(b *testing.B) {
	benchEncode(b, func(w *bytes.Buffer, m image.Image) error { return jpeg.Encode(w, m, &jpeg.Options{Quality: 95}) })
}

func benchEncode(b *testing.B, encode func(*bytes.Buffer, image.Image) error) {
	m := photo480(b)
	var w bytes.Buffer
	b.SetBytes(int64(len(m.Y) + len(m.Cb) + len(m.Cr)))
	for b.Loop() {
		w.Reset()
		if err := encode(&w, m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecode480Photo decodes the same photo encoded at quality 95, as the
// photo check decodes a 480×640 upload.
func BenchmarkDecode480Photo(b *testing.B) {
	var w bytes.Buffer
	if err := jpeg.Encode(&w, photo480(b), &jpeg.Options{Quality: 95}); err != nil {
		b.Fatal(err)
	}
	data := w.Bytes()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := DecodeScaled(bytes.NewReader(data), 1); err != nil {
			b.Fatal(err)
		}
	}
}
