package capturecode_test

import (
	"bytes"
	"context"
	"image/jpeg"
	"image/png"
	"slices"
	"testing"
	"time"

	"github.com/gradphoto/gradphoto/internal/capturecode"
)

// benchDecode runs Decode b.N times and reports the median as well as the mean:
// the target (≤ 50 ms on one core for a clean 1080×2340 screenshot) is a median.
// Measure on one core with: go test -run '^$' -bench . -cpu 1 ./internal/capturecode
func benchDecode(b *testing.B, data []byte) {
	d := capturecode.NewDecoder()
	ctx := context.Background()
	durations := make([]time.Duration, 0, b.N)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		start := time.Now()
		if _, err := d.Decode(ctx, data); err != nil {
			b.Fatal(err)
		}
		durations = append(durations, time.Since(start))
	}
	if spent := processCPU() - cpu; spent > 0 {
		b.ReportMetric(float64(spent.Microseconds())/1000/float64(len(durations)), "cpu-ms/op")
	}
	slices.Sort(durations)
	b.ReportMetric(float64(durations[len(durations)/2].Microseconds())/1000, "ms-median")
}

func BenchmarkDecodeClean1080x2340PNG(b *testing.B) {
	benchDecode(b, readCorpus(b, "clean_1080x2340.png"))
}

func BenchmarkDecodeClean1080x2340JPEG(b *testing.B) {
	img, err := png.Decode(bytes.NewReader(readCorpus(b, "clean_1080x2340.png")))
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	benchDecode(b, buf.Bytes())
}

func BenchmarkDecodePhotoOfScreen(b *testing.B) {
	benchDecode(b, readCorpus(b, "photo_moire.jpg"))
}

// BenchmarkNotFound is the worst case: every strategy runs.
func BenchmarkNotFound(b *testing.B) {
	d := capturecode.NewDecoder()
	data := readCorpus(b, "noqr_clutter.jpg")
	for b.Loop() {
		if _, err := d.Decode(context.Background(), data); err == nil {
			b.Fatal("found a QR code in noqr_clutter.jpg")
		}
	}
}
