// Command writecorpus writes the capturecode corpus that is not committed (the graded
// degradations, corpusgen.Degraded) to a directory, with its manifest.json, for
// engine comparisons: go run ./internal/capturecode/internal/corpusgen/writecorpus DIR
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gradphoto/gradphoto/internal/capturecode/internal/corpusgen"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: writecorpus DIR")
		os.Exit(2)
	}
	if err := write(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "writecorpus:", err)
		os.Exit(1)
	}
}

func write(dir string) error {
	cases, err := corpusgen.Degraded()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, c := range cases {
		if err := os.WriteFile(filepath.Join(dir, c.File), c.Data, 0o644); err != nil {
			return err
		}
	}
	b, err := json.MarshalIndent(cases, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "manifest.json"), append(b, '\n'), 0o644)
}
