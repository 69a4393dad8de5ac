package config

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestReadmeListsEveryVariable compares the variables of README's configuration tables
// (first column) with Variables(): a variable the code reads and the README does not
// name fails, and so does a README row naming a variable nothing reads.
func TestReadmeListsEveryVariable(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	section, ok := readmeSection(string(raw), "## Configuration")
	if !ok {
		t.Fatal(`README.md has no "## Configuration" section`)
	}
	name := regexp.MustCompile("`(GRADPHOTO_[A-Z0-9_]+)`")
	documented := map[string]bool{}
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "|") {
			continue
		}
		cells := strings.Split(line, "|")
		if len(cells) < 3 {
			continue
		}
		for _, m := range name.FindAllStringSubmatch(cells[1], -1) {
			documented[m[1]] = true
		}
	}
	read := Variables()
	if len(read) < 30 {
		t.Fatalf("Variables() lists only %d variables", len(read))
	}
	for _, v := range read {
		if !documented[v] {
			t.Errorf("README.md's configuration table does not list %s, which the code reads", v)
		}
	}
	for v := range documented {
		if !slices.Contains(read, v) {
			t.Errorf("README.md's configuration table lists %s, which no code reads", v)
		}
	}
}

// readmeSection returns the text from heading to the next heading of the same level.
func readmeSection(doc, heading string) (string, bool) {
	_, rest, ok := strings.Cut(doc, "\n"+heading+"\n")
	if !ok {
		return "", false
	}
	if i := strings.Index(rest, "\n## "); i >= 0 {
		rest = rest[:i]
	}
	return rest, true
}
