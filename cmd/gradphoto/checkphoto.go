package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/gradphoto/gradphoto/internal/config"
	"github.com/gradphoto/gradphoto/internal/photo"
)

func init() {
	register(command{name: "check-photo", summary: "run the photo checks on files: check-photo [--json] [--profile NAME] FILE...", run: runCheckPhoto})
}

// checkPhotoLine is one --json output line.
type checkPhotoLine struct {
	File   string        `json:"file"`
	Passed bool          `json:"passed"`
	Checks []photo.Check `json:"checks"`
	MS     float64       `json:"ms"`
	Error  string        `json:"error,omitempty"` // the file could not be read
}

// runCheckPhoto prints, per file, the verdict and every check. It exits 0 when
// every file was read, whether its photo passed or not, so that a run over a
// corpus of bad photos succeeds; 1 when a file could not be read or the config is
// wrong; 2 on bad usage.
func runCheckPhoto(ctx context.Context, env *cliEnv, args []string) int {
	fs := flag.NewFlagSet("check-photo", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	asJSON := fs.Bool("json", false, `one JSON object per line: {"file", "passed", "checks", "ms"}`)
	profileName := fs.String("profile", "", "photo profile from config photo.profiles (default: photo.default_profile, else chsi)")
	fs.Usage = func() {
		fmt.Fprintln(env.stderr, "usage: gradphoto check-photo [--json] [--profile NAME] FILE...")
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
		line.Passed, line.Checks = rep.Passed, rep.Checks
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
	for _, c := range line.Checks {
		mark := "ok  "
		switch {
		case !c.Passed && c.Severity == photo.SeverityError:
			mark = "FAIL"
		case !c.Passed:
			mark = "WARN"
		}
		fmt.Fprintf(env.stdout, "  %s %-19s %9.3f  %-28s %s\n", mark, c.ID, c.Value, c.Limit, c.Message)
	}
}
