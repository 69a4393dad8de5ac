// Command mutate is the money checks' mutation test (make mutate): it removes or flips
// each listed check in a copy of the source, one at a time, runs the tests that should
// notice, and reports the mutants that survive. Every mutant must die: a check whose
// removal leaves the tests green is a check nobody tests.
//
// The list is explicit (file, exact snippet, replacement) rather than generated, so it
// names the checks that matter for money and fails loudly (stale) when a snippet no
// longer occurs exactly once in the source.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

func main() {
	only := flag.String("only", "", "run only the mutants whose name matches this regular expression")
	keep := flag.Bool("keep", false, "keep the temporary copy of the source")
	flag.Parse()
	pick, err := regexp.Compile(*only)
	if err != nil {
		fail("-only: %v", err)
	}
	root, err := os.Getwd()
	if err != nil {
		fail("%v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		fail("run mutate from the module root (make mutate)")
	}
	work, err := os.MkdirTemp("", "gradphoto-mutate-")
	if err != nil {
		fail("%v", err)
	}
	if !*keep {
		defer os.RemoveAll(work)
	}
	if err := copyTree(root, work); err != nil {
		fail("copy the source: %v", err)
	}
	mysql := os.Getenv("GRADPHOTO_TEST_MYSQL_DSN") != ""

	// The tests must pass unmutated, or every mutant "dies" for nothing.
	baselines := map[string]bool{}
	var picked []mutant
	for _, m := range mutants {
		if !pick.MatchString(m.Name) {
			continue
		}
		picked = append(picked, m)
		key := m.Pkg + " " + m.Run
		if baselines[key] || m.MySQL && !mysql {
			continue
		}
		baselines[key] = true
		if out, err := goTest(work, m); err != nil {
			fmt.Printf("BASELINE FAILS: go test %s -run '%s'\n%s\n", m.Pkg, m.Run, tail(out, 40))
			os.Exit(1)
		}
	}

	var survived, stale, skipped []string
	for i, m := range picked {
		if m.MySQL && !mysql {
			fmt.Printf("[%2d/%d] SKIPPED  %s (needs GRADPHOTO_TEST_MYSQL_DSN)\n", i+1, len(picked), m.Name)
			skipped = append(skipped, m.Name)
			continue
		}
		path := filepath.Join(work, m.File)
		orig, err := os.ReadFile(path)
		if err != nil {
			fail("%s: %v", m.Name, err)
		}
		if n := bytes.Count(orig, []byte(m.Find)); n != 1 {
			fmt.Printf("[%2d/%d] STALE    %s: the snippet occurs %d times in %s\n", i+1, len(picked), m.Name, n, m.File)
			stale = append(stale, m.Name)
			continue
		}
		if err := os.WriteFile(path, bytes.Replace(orig, []byte(m.Find), []byte(m.Replace), 1), 0o644); err != nil {
			fail("%v", err)
		}
		start := time.Now()
		out, err := goTest(work, m)
		if werr := os.WriteFile(path, orig, 0o644); werr != nil {
			fail("restore %s: %v", m.File, werr)
		}
		took := time.Since(start).Round(time.Second)
		if err == nil {
			fmt.Printf("[%2d/%d] SURVIVED %s (%s, %s)\n", i+1, len(picked), m.Name, m.File, took)
			survived = append(survived, m.Name)
			continue
		}
		fmt.Printf("[%2d/%d] killed   %s (%s) by %s\n", i+1, len(picked), m.Name, took, firstFailure(out))
	}
	fmt.Printf("\n%d mutants: %d killed, %d survived, %d stale, %d skipped\n",
		len(picked), len(picked)-len(survived)-len(stale)-len(skipped), len(survived), len(stale), len(skipped))
	if len(survived)+len(stale) > 0 {
		fmt.Printf("survived: %s\nstale: %s\n", strings.Join(survived, ", "), strings.Join(stale, ", "))
		os.Exit(1)
	}
}

// goTest runs the mutant's tests in the copy. A build failure kills a mutant too (the
// compiler noticed), but every listed replacement compiles.
func goTest(dir string, m mutant) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "test", "-count=1", "-failfast", "-run", m.Run, m.Pkg)
	cmd.Dir = dir
	cmd.Env = os.Environ()
	if !m.MySQL {
		// SQLite is enough for logic; MySQL only where locking is what is tested.
		cmd.Env = append(cmd.Env, "GRADPHOTO_TEST_MYSQL_DSN=")
	}
	return cmd.CombinedOutput()
}

var failLine = regexp.MustCompile(`--- FAIL: (\S+)`)

func firstFailure(out []byte) string {
	if all := failLine.FindAllSubmatch(out, -1); len(all) > 0 {
		return string(all[len(all)-1][1])
	}
	if bytes.Contains(out, []byte("panic:")) {
		return "a panic"
	}
	return "a build or test failure"
}

func tail(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// copyTree copies the files git knows (tracked and untracked, not ignored).
func copyTree(root, dst string) error {
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("git ls-files: %w", err)
	}
	for _, rel := range strings.Split(string(out), "\x00") {
		if rel == "" {
			continue
		}
		if err := copyFile(filepath.Join(root, rel), filepath.Join(dst, rel)); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if os.IsNotExist(err) {
		return nil // deleted in the work tree, not yet in git
	}
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func fail(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "mutate: "+format+"\n", a...)
	os.Exit(2)
}
