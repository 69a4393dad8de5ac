package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/capturecode"
	"github.com/gradphoto/gradphoto/internal/config"
)

func init() {
	register(command{name: "decode-code", summary: "decode collection-code (采集码) screenshots: decode-code [--json] [--mask] [--validate] FILE...", run: runDecodeCode})
}

// decodeLine is one --json output line.
type decodeLine struct {
	File     string  `json:"file"`
	OK       bool    `json:"ok"`
	Text     string  `json:"text,omitempty"`
	Error    string  `json:"error,omitempty"`
	MS       float64 `json:"ms"`
	Strategy string  `json:"strategy,omitempty"`
}

// runDecodeCode prints, per file, the decoded text or the error code. It exits 0
// when every file could be read, decoded or not, so that a benchmark over a corpus
// with negative examples succeeds; 1 when a file could not be read; 2 on bad usage.
func runDecodeCode(ctx context.Context, env *cliEnv, args []string) int {
	fs := flag.NewFlagSet("decode-code", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	asJSON := fs.Bool("json", false, `one JSON object per line: {"file", "ok", "text" | "error", "ms"}`)
	mask := fs.Bool("mask", false, "print the masked payload (first 4 + **** + last 4) instead of the whole text")
	validate := fs.Bool("validate", false, "also check the payload against the configured capture_code rules")
	fs.Usage = func() {
		fmt.Fprintln(env.stderr, "usage: gradphoto decode-code [--json] [--mask] [--validate] FILE...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	var rules *capturecode.Rules
	if *validate {
		cfg, err := config.Load(env.configPath)
		if err != nil {
			fmt.Fprintln(env.stderr, err)
			return 1
		}
		rules = &capturecode.Rules{MinLength: cfg.Capture.MinLength, MaxLength: cfg.Capture.MaxLength, Pattern: cfg.Capture.Pattern}
	}

	dec := capturecode.NewDecoder(capturecode.WithConcurrency(1))
	enc := json.NewEncoder(env.stdout)
	enc.SetEscapeHTML(false)
	exit := 0
	for _, file := range fs.Args() {
		if ctx.Err() != nil {
			return 1
		}
		line := decodeLine{File: file}
		data, err := os.ReadFile(file)
		if err != nil {
			exit = 1
			line.Error = "unreadable"
			if *asJSON {
				_ = enc.Encode(line)
			}
			fmt.Fprintf(env.stderr, "gradphoto: %v\n", err)
			continue
		}
		start := time.Now()
		res, err := dec.DecodeResult(ctx, data)
		if err == nil && rules != nil {
			err = rules.Validate(res.Text)
		}
		line.MS = math.Round(float64(time.Since(start).Microseconds())/100) / 10
		if err != nil {
			line.Error = apperr.As(err).Code
		} else {
			line.OK, line.Text, line.Strategy = true, res.Text, res.Strategy
			if *mask {
				line.Text = capturecode.Mask(res.Text)
			}
		}
		if *asJSON {
			if err := enc.Encode(line); err != nil {
				fmt.Fprintln(env.stderr, "gradphoto:", err)
				return 1
			}
			continue
		}
		if line.OK {
			fmt.Fprintf(env.stdout, "%s\t%s\n", file, line.Text)
		} else {
			fmt.Fprintf(env.stdout, "%s\terror: %s\n", file, line.Error)
		}
	}
	return exit
}
