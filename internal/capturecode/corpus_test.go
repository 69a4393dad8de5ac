package capturecode_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gradphoto/gradphoto/internal/capturecode"
	"github.com/gradphoto/gradphoto/internal/capturecode/internal/corpusgen"
)

var update = flag.Bool("update", false, "regenerate testdata/corpus and its manifest")

const corpusDir = "testdata/corpus"

// TestCorpus decodes every corpus image: every QR must decode to its payload and no
// image without one may yield anything. Run with -update to regenerate the corpus.
func TestCorpus(t *testing.T) {
	if *update {
		writeCorpus(t)
	}
	cases := readManifest(t)
	qr, noQR := 0, 0
	for _, c := range cases {
		if c.Payload == "" {
			noQR++
		} else {
			qr++
		}
	}
	if qr < 25 || noQR < 5 {
		t.Fatalf("corpus has %d QR and %d no-QR images, want ≥ 25 and ≥ 5", qr, noQR)
	}
	// This test is about what decodes, not how fast (benchmarks measure that): a
	// generous budget keeps it stable on a loaded machine.
	d := capturecode.NewDecoder(capturecode.WithTimeBudget(time.Minute))
	for _, c := range cases {
		t.Run(c.File, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(corpusDir, c.File))
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			res, err := d.DecodeResult(context.Background(), data)
			elapsed := time.Since(start)
			got := res.Text
			if c.Payload == "" {
				if !errors.Is(err, capturecode.ErrQRNotFound) {
					t.Fatalf("image without QR: got text of %d chars, err %v; want qr_not_found", len(got), err)
				}
				return
			}
			if err != nil {
				t.Fatalf("decode: %v (after %v)", err, elapsed)
			}
			if got != c.Payload {
				t.Fatalf("decoded %q, want %q", got, c.Payload)
			}
			t.Logf("decoded in %v by %q after %d attempts", elapsed, res.Strategy, res.Attempts)
		})
	}
}

func readManifest(t *testing.T) []corpusgen.Case {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, "manifest.json"))
	if err != nil {
		t.Fatalf("read manifest (run go test -run TestCorpus -update to generate): %v", err)
	}
	var cases []corpusgen.Case
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	return cases
}

func writeCorpus(t *testing.T) {
	t.Helper()
	cases, err := corpusgen.Generate()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(corpusDir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(corpusDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if err := os.WriteFile(filepath.Join(corpusDir, c.File), c.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := json.MarshalIndent(cases, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(corpusDir, "manifest.json"), append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}
