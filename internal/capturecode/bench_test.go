package capturecode_test

import (
	"bytes"
	"context"
	"errors"
	"image/jpeg"
	"image/png"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gradphoto/gradphoto/internal/capturecode"
	"github.com/gradphoto/gradphoto/internal/capturecode/internal/corpusgen"
)

// benchDecode runs Decode b.N times and reports the median as well as the mean:
// the target (≤ 30 ms on one core for a clean 1080×2340 screenshot) is a median.
// Measure on one core with: go test -run '^$' -bench . -cpu 1 ./internal/capturecode
func benchDecode(b *testing.B, data []byte) {
	benchDecodeWant(b, data, true)
}

// benchDecodeWant is benchDecode for an image with (found) or without a code.
func benchDecodeWant(b *testing.B, data []byte, found bool) {
	// The production work budget (every benchmark image runs its whole cascade within
	// it); the wall-clock backstop is raised so that a loaded machine cannot cut the
	// cascade short and make a no-code image look cheap.
	d := capturecode.NewDecoder(capturecode.WithTimeBudget(time.Minute))
	ctx := context.Background()
	durations := make([]time.Duration, 0, b.N)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		start := time.Now()
		_, err := d.Decode(ctx, data)
		if found && err != nil {
			b.Fatal(err)
		}
		if !found && !errors.Is(err, capturecode.ErrQRNotFound) {
			b.Fatalf("want qr_not_found, got %v", err)
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

// BenchmarkNotFound is the worst case: every strategy runs (target: ≤ 1 s).
func BenchmarkNotFound(b *testing.B) {
	benchDecodeWant(b, readCorpus(b, "noqr_clutter.jpg"), false)
}

// BenchmarkNotFoundPhoto is the costliest image without a code in the corpus: a
// 1200×1600 photo of a cluttered screen, with moiré.
func BenchmarkNotFoundPhoto(b *testing.B) {
	benchDecodeWant(b, readCorpus(b, "noqr_photo_of_clutter.jpg"), false)
}

// graded is the graded set, drawn once for all benchmarks of a run.
var graded = sync.OnceValues(corpusgen.Degraded)

// benchGraded benchmarks one image of the graded set.
func benchGraded(b *testing.B, file string, found bool) {
	cases, err := graded()
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range cases {
		if c.File == file {
			benchDecodeWant(b, c.Data, found)
			return
		}
	}
	b.Fatalf("%s not in the graded set", file)
}

// A steep photo of a screen (55°), read by the squashed stage and the perspective search.
func BenchmarkDecodeSteep55(b *testing.B) { benchGraded(b, "steep_55deg_axis0.jpg", true) }

// Glare over part of the code, read after local contrast normalisation.
func BenchmarkDecodeGlare(b *testing.B) { benchGraded(b, "glare_3_medium.jpg", true) }

// A washed-out screenshot (5 grey levels of contrast).
func BenchmarkDecodeWashedOut(b *testing.B) { benchGraded(b, "lowcontrast_washed_5.png", true) }

// A code too covered by glare for any engine: the whole cascade runs.
func BenchmarkNotFoundGlare(b *testing.B) { benchGraded(b, "glare_6_severe.jpg", false) }
