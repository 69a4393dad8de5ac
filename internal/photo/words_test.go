package photo

import (
	"context"
	"regexp"
	"strings"
	"testing"
)

// Student-facing numbers a person can act on: file sizes, pixels, a count of faces,
// the 3:4 shape. Anything else numeric in a message is a measurement for staff.
var actionableNumber = regexp.MustCompile(`\d+(\.\d+)?\s*(KB|MB|像素|百万像素|张脸)|\d+×\d+|3:4`)

// TestMessagesSayTheDefectPlainly: every failed check of every case says the
// defect and what to do, without σ, ΔE, L*, ratios or scores; the measurement is in
// detail, with units.
func TestMessagesSayTheDefectPlainly(t *testing.T) {
	c := testChecker(t)
	var inputs [][]byte
	for _, tc := range photoCases() {
		inputs = append(inputs, tc.data(t))
	}
	for _, tc := range calCases[:8] {
		inputs = append(inputs, realFile("cal/"+tc.file)(t))
	}
	seen := map[string]bool{}
	for _, in := range inputs {
		rep, err := c.Check(context.Background(), in, DefaultProfile())
		if err != nil {
			t.Fatal(err)
		}
		for _, ch := range rep.Checks {
			if ch.Detail == "" {
				t.Errorf("%s has no detail", ch.ID)
			}
			if ch.Passed {
				continue
			}
			seen[ch.ID] = true
			msg := ch.Message
			if ch.ID == CheckNotEdited { // names the editor the file says it was made with
				msg = regexp.MustCompile(`（[^）]*）`).ReplaceAllString(msg, "")
			}
			for _, jargon := range []string{"σ", "ΔE", "L*", "C*", "检测值", "°", "%", "偏转度", "清晰度"} {
				if strings.Contains(msg, jargon) {
					t.Errorf("%s message %q contains %q", ch.ID, ch.Message, jargon)
				}
			}
			if rest := actionableNumber.ReplaceAllString(msg, ""); regexp.MustCompile(`\d`).MatchString(rest) {
				t.Errorf("%s message %q shows a number a student cannot act on", ch.ID, ch.Message)
			}
			if !strings.ContainsAny(msg, "请") {
				t.Errorf("%s message %q does not say what to do", ch.ID, ch.Message)
			}
		}
	}
	for _, r := range rules {
		if !seen[r.id] {
			t.Errorf("no case shows the message of a failed %s", r.id)
		}
	}
}
