package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/gradphoto/gradphoto/internal/config"
	"github.com/gradphoto/gradphoto/internal/photo"
)

func init() {
	register(command{name: "check-photo", summary: "run the photo checks on files: check-photo [--json] [--out DIR] [--profile NAME] FILE...", run: runCheckPhoto})
}

// checkPhotoLine is one --json output line.
type checkPhotoLine struct {
	File     string          `json:"file"`
	Passed   bool            `json:"passed"`
	Checks   []photo.Check   `json:"checks"`
	Standard *photo.Standard `json:"standard"`      // how the standard photo was cut; null for an unreadable file
	Out      string          `json:"out,omitempty"` // the standard photo written with --out
	MS       float64         `json:"ms"`
	Error    string          `json:"error,omitempty"` // the file could not be read
}

// runCheckPhoto prints, per file, the verdict and every check. It exits 0 when
// every file was read, whether its photo passed or not, so that a run over a
// corpus of bad photos succeeds; 1 when a file could not be read or the config is
// wrong; 2 on bad usage.
func runCheckPhoto(ctx context.Context, env *cliEnv, args []string) int {
	fs := flag.NewFlagSet("check-photo", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	asJSON := fs.Bool("json", false, `one JSON object per line: {"file", "passed", "checks", "standard", "ms"}`)
	outDir := fs.String("out", "", "write each file's 480×640 standard photo to DIR/<name>.std.jpg")
	profileName := fs.String("profile", "", "photo profile from config photo.profiles (default: photo.default_profile, else chsi)")
	fs.Usage = func() {
		fmt.Fprintln(env.stderr, "usage: gradphoto check-photo [--json] [--out DIR] [--profile NAME] FILE...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	cfg, err := config.Load(env.configPath)
	if err != nil {
		fmt.Fprintln(env.stderr, "gradphoto:", err)
		return 1
	}
	profiles, err := photo.Profiles(cfg.Photo.Profiles)
	if err != nil {
		fmt.Fprintln(env.stderr, "gradphoto:", err)
		return 1
	}
	name := *profileName
	if name == "" {
		name = cfg.Photo.DefaultProfile
	}
	if name == "" {
		name = photo.DefaultProfileName
	}
	profile, ok := profiles[name]
	if !ok {
		names := make([]string, 0, len(profiles))
		for n := range profiles {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Fprintf(env.stderr, "gradphoto: unknown photo profile %q (configured: %s)\n", name, strings.Join(names, ", "))
		return 2
	}
	if *outDir != "" {
		if err := os.MkdirAll(*outDir, 0o755); err != nil {
			fmt.Fprintln(env.stderr, "gradphoto:", err)
			return 1
		}
	}
	checker, err := photo.NewChecker()
	if err != nil {
		fmt.Fprintln(env.stderr, "gradphoto:", err)
		return 1
	}

	enc := json.NewEncoder(env.stdout)
	enc.SetEscapeHTML(false)
	exit := 0
	for _, file := range fs.Args() {
		if ctx.Err() != nil {
			return 1
		}
		line := checkPhotoLine{File: file, Checks: []photo.Check{}}
		data, err := os.ReadFile(file)
		if err != nil {
			exit = 1
			fmt.Fprintf(env.stderr, "gradphoto: %v\n", err)
			if *asJSON {
				line.Error = "unreadable"
				_ = enc.Encode(line)
			}
			continue
		}
		start := time.Now()
		rep, err := checker.Check(ctx, data, profile)
		if err != nil { // only a cancelled context
			fmt.Fprintln(env.stderr, "gradphoto:", err)
			return 1
		}
		line.MS = math.Round(float64(time.Since(start).Microseconds())/100) / 10
		line.Passed, line.Checks, line.Standard = rep.Passed, rep.Checks, &rep.Standard
		if *outDir != "" && rep.Standard.Standardized {
			base := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
			line.Out = filepath.Join(*outDir, base+".std.jpg")
			if err := os.WriteFile(line.Out, rep.Standard.JPEG, 0o644); err != nil {
				fmt.Fprintln(env.stderr, "gradphoto:", err)
				return 1
			}
		}
		if *asJSON {
			if err := enc.Encode(line); err != nil {
				fmt.Fprintln(env.stderr, "gradphoto:", err)
				return 1
			}
			continue
		}
		printReport(env, line)
	}
	return exit
}

func printReport(env *cliEnv, line checkPhotoLine) {
	verdict := "PASS 通过"
	if !line.Passed {
		verdict = "FAIL 不通过"
	}
	fmt.Fprintf(env.stdout, "%s\t%s\t%.1f ms\n", line.File, verdict, line.MS)
	if st := line.Standard; st != nil && st.Standardized {
		fmt.Fprintf(env.stdout, "  standard: crop %v, scale %.3f %s\n", st.Crop, st.Scale, line.Out)
	} else if st != nil {
		fmt.Fprintln(env.stdout, "  standard: none (no standard crop: see the failed geometry checks)")
	}
	for _, c := range line.Checks {
		mark := "ok  "
		switch {
		case !c.Passed && c.Severity == photo.SeverityError:
			mark = "FAIL"
		case !c.Passed:
			mark = "WARN"
		}
		fmt.Fprintf(env.stdout, "  %s %-19s %9.3f  %-28s %s\n", mark, c.ID, c.Value, c.Limit, c.Message)
		if !c.Passed && c.Detail != "" {
			fmt.Fprintf(env.stdout, "       %s\n", c.Detail)
		}
	}
}
