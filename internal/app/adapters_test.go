package app

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/gradphoto/gradphoto/internal/config"
	"github.com/gradphoto/gradphoto/internal/imagebudget"
)

// The export re-cuts photos approved before the standard photo existed; it decodes like
// an upload, so it must wait its turn in the same memory budget (issue 14: it bypassed it).
func TestExportCropTakesTheImageBudget(t *testing.T) {
	data, err := os.ReadFile("../photo/testdata/standard_480x640.jpg")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	probe, err := newPhotoChecker(&cfg, imagebudget.New(1<<30, 0))
	if err != nil {
		t.Fatal(err)
	}
	need := photoNeed(imagebudget.Of(data), probe.profiles[probe.fallback].MaxMegapixels)

	small, err := newPhotoChecker(&cfg, imagebudget.New(need-1, 10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := small.ExportCrop(context.Background(), data); !errors.Is(err, imagebudget.ErrTooBig) {
		t.Fatalf("export with a budget smaller than the decode: got %v, want %v", err, imagebudget.ErrTooBig)
	}

	enough := imagebudget.New(need, 10*time.Millisecond)
	checker, err := newPhotoChecker(&cfg, enough)
	if err != nil {
		t.Fatal(err)
	}
	// While another decode holds the whole budget the export waits, then is answered busy.
	release, err := enough.Acquire(context.Background(), need)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := checker.ExportCrop(context.Background(), data); err == nil {
		t.Fatal("export ran while the budget was held by another decode")
	}
	release()
	jpg, err := checker.ExportCrop(context.Background(), data)
	if err != nil {
		t.Fatalf("export with room in the budget: %v", err)
	}
	if len(jpg) < 2 || jpg[0] != 0xFF || jpg[1] != 0xD8 {
		t.Fatalf("export is not a JPEG (%d bytes)", len(jpg))
	}
}
