package photo

import (
	"context"
	"flag"
	"os"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/standard_480x640.jpg from the fixture builder")

// goldenStandard is the standard passing photo as a file, for the tests of other
// packages (upload flows, e2e) that need a photo the checks accept. It is the
// fixture standardImage, written by `go test ./internal/photo -run Golden -update`.
const goldenStandard = "testdata/standard_480x640.jpg"

func TestGoldenStandardPhotoPasses(t *testing.T) {
	if *updateGolden {
		if err := os.WriteFile(goldenStandard, standardJPEG(t), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(goldenStandard)
	if err != nil {
		t.Fatalf("%v (regenerate with -update)", err)
	}
	rep, err := testChecker(t).Check(context.Background(), data, DefaultProfile())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Checks {
		if !c.Passed {
			t.Errorf("%s failed: value %v, limit %s", c.ID, c.Value, c.Limit)
		}
	}
}
