package capturecode_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gradphoto/gradphoto/internal/capturecode"
	"github.com/gradphoto/gradphoto/internal/capturecode/internal/corpusgen"
)

var update = flag.Bool("update", false, "regenerate testdata/corpus and its manifest")

const corpusDir = "testdata/corpus"

// TestCorpus decodes every corpus image: every QR must decode to its payload and no
// image without one may yield anything. Run with -update to regenerate the committed
// corpus.
func TestCorpus(t *testing.T) {
	if *update {
		writeCorpus(t)
	}
	cases := readManifest(t)
	qr, noQR := countCases(cases)
	if qr < 25 || noQR < 5 {
		t.Fatalf("corpus has %d QR and %d no-QR images, want ≥ 25 and ≥ 5", qr, noQR)
	}
	for _, c := range cases {
		data, err := os.ReadFile(filepath.Join(corpusDir, c.File))
		if err != nil {
			t.Fatal(err)
		}
		c.Data = data
		decodeCase(t, c)
	}
}

// TestGradedCorpus decodes the graded degradations (glare, a thumb over the code, a
// steep photo of a screen, low contrast, defocus; each at several strengths) and
// their code-like negatives (a 小程序码, a 1-D barcode, finder patterns around noise).
// They are drawn afresh (deterministically) rather than committed. The images listed
// are those that WeChat's wechat_qrcode or zbar decode, and more: harder strengths
// that no engine reads are left out of the test (test/bench/engines-compare.sh shows
// them all).
func TestGradedCorpus(t *testing.T) {
	all, err := corpusgen.Degraded()
	if err != nil {
		t.Fatal(err)
	}
	var cases []corpusgen.Case
	for _, c := range all {
		if !slices.Contains(c.Tags, corpusgen.TagBeyondAll) {
			cases = append(cases, c)
		}
	}
	qr, noQR := countCases(cases)
	byTag := map[string]int{}
	for _, c := range cases {
		if c.Payload != "" {
			for _, tag := range c.Tags {
				byTag[tag]++
			}
		}
	}
	for _, tag := range []string{"glare", "thumb", "steep", "low-contrast", "defocus"} {
		if byTag[tag] < 3 {
			t.Errorf("graded corpus has %d decodable %s images, want ≥ 3 strengths", byTag[tag], tag)
		}
	}
	if qr < 25 || noQR < 5 {
		t.Fatalf("graded corpus has %d QR and %d no-QR images, want ≥ 25 and ≥ 5", qr, noQR)
	}
	for _, c := range cases {
		decodeCase(t, c)
	}
}

func countCases(cases []corpusgen.Case) (qr, noQR int) {
	for _, c := range cases {
		if c.Payload == "" {
			noQR++
		} else {
			qr++
		}
	}
	return qr, noQR
}

// decodeCase decodes one image in a subtest: the payload, or qr_not_found when it
// holds none.
func decodeCase(t *testing.T, c corpusgen.Case) {
	t.Helper()
	// The production work budget, which does not depend on the machine's load; only
	// the wall-clock backstop is raised, so that a loaded machine cannot reach it.
	d := capturecode.NewDecoder(capturecode.WithTimeBudget(time.Minute))
	t.Run(c.File, func(t *testing.T) {
		start := time.Now()
		res, err := d.DecodeResult(context.Background(), c.Data)
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
		t.Logf("decoded in %v by %q after %d attempts, work %.1f M", elapsed, res.Strategy, res.Attempts, float64(res.Work)/1e6)
	})
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
