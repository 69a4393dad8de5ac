package photo

import (
	"context"
	"os"
	"testing"
)

// FuzzCheck feeds arbitrary bytes to the entry point: it must return a report
// (never panic, never an error for bad input) whose verdict agrees with its checks.
func FuzzCheck(f *testing.F) {
	std := standardJPEG(f)
	f.Add(std)
	f.Add(std[:len(std)/3])
	f.Add([]byte{})
	f.Add([]byte{0xFF, 0xD8, 0xFF})
	f.Add(withExifSoftware(std[:600], "Snapseed"))
	f.Add(encodePNG(f, toGrey(standardImage(f))))
	for _, name := range []string{"video-001.cmyk.jpeg"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	c := testChecker(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := c.Check(context.Background(), data, DefaultProfile())
		if err != nil {
			t.Fatalf("error for input of %d bytes: %v", len(data), err)
		}
		if len(rep.Checks) == 0 {
			t.Fatal("empty report")
		}
		failedError := false
		for _, ch := range rep.Checks {
			if ch.ID == "" || ch.Message == "" || (ch.Severity != SeverityError && ch.Severity != SeverityWarning) {
				t.Fatalf("malformed check %+v", ch)
			}
			failedError = failedError || (!ch.Passed && ch.Severity == SeverityError)
		}
		if rep.Passed == failedError {
			t.Fatalf("passed=%v but an error check failed=%v", rep.Passed, failedError)
		}
	})
}
