package main

import (
	"bytes"
	"context"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gradphoto/gradphoto/internal/app"
	"github.com/gradphoto/gradphoto/internal/collection"
	"github.com/gradphoto/gradphoto/internal/config"
	"github.com/gradphoto/gradphoto/internal/dbtest"
)

// script returns the shell lines of a printed walk-through, up to (not including) the
// step that starts with stopAt ("" for all).
func script(text, stopAt string) string {
	var out []string
	on := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "  B=") {
			on = true
		}
		if !on {
			continue
		}
		if stopAt != "" && strings.HasPrefix(line, "  "+stopAt) {
			break
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// The printed walk-through, run twice on the same data, acts each time on a fresh
// student of its own: the second run does not approve the first run's photo waiting
// in the queue (it puts it back), and never reads another student's SMS.
func TestWalkthroughActsOnlyOnItsOwnStudent(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed: the walk-through is not run", tool)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Local(t.TempDir(), ln.Addr().String())
	cfg.Notify.PollInterval = 50 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, &cfg, dbtest.Discard())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.NewDemoStudent(ctx); err == nil {
		t.Fatal("a walk-through student without the demo data")
	}
	if err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done; a.Close() })

	var lastOut string
	run := func(stopAt string) (*app.DemoStudent, string) {
		st, err := a.NewDemoStudent(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var text bytes.Buffer
		printWalkthrough(&text, &cfg, st)
		cmd := exec.Command("bash", "-c", script(text.String(), stopAt))
		cmd.Dir = t.TempDir()
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("walk-through: %v\n%s", err, out)
		}
		lastOut = string(out)
		return st, string(out)
	}
	statusOf := func(st *app.DemoStudent) collection.Status {
		var c collection.Collection
		if err := a.DB.Where("student_no = ?", st.StudentNo).Take(&c).Error; err != nil {
			t.Fatalf("%s: %v; the walk-through printed:\n%s", st.StudentNo, err, lastOut)
		}
		return c.Status
	}
	// First run, stopped before the review: its student waits in the queue.
	first, _ := run("# 6.")
	waitUntil(t, func() bool { return statusOf(first) == collection.StatusInReview })
	// Second run, whole: a new student; the queue offers the first run's photo, which is
	// put back, not approved.
	second, out := run("")
	if second.StudentNo == first.StudentNo || second.WeChatName == first.WeChatName || second.Phone == first.Phone {
		t.Fatalf("the second run reuses the first run's student: %+v %+v", first, second)
	}
	if !strings.Contains(out, "not acting on it") {
		t.Fatalf("the second run did not say it left another student's photo alone:\n%s", out)
	}
	if st := statusOf(first); st != collection.StatusInReview {
		t.Fatalf("the first run's student is %s after the second run, want in_review", st)
	}
	if st := statusOf(second); st != collection.StatusInReview {
		t.Fatalf("the second run's student is %s, want in_review", st)
	}
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("timed out")
}
