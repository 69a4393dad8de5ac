package imagebudget_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/imagebudget"
)

func TestBudgetAdmitsByBytes(t *testing.T) {
	ctx := context.Background()
	b := imagebudget.New(100, 150*time.Millisecond)
	if _, err := b.Acquire(ctx, 101); !errors.Is(err, imagebudget.ErrTooBig) {
		t.Fatalf("more than the whole budget: %v, want image_too_complex", err)
	}
	big, err := b.Acquire(ctx, 60)
	if err != nil {
		t.Fatal(err)
	}
	// Another large decode does not fit: it waits, then is told busy.
	start := time.Now()
	if _, err := b.Acquire(ctx, 50); !errors.Is(err, apperr.ErrBusy) {
		t.Fatalf("over the budget: %v, want busy", err)
	} else if waited := time.Since(start); waited < 100*time.Millisecond {
		t.Fatalf("gave up after %v without waiting", waited)
	}
	// Small ones still fit beside it.
	small, err := b.Acquire(ctx, 20)
	if err != nil {
		t.Fatalf("a small decode beside a large one: %v", err)
	}
	small()
	// A large one waiting does not hold up small ones behind it (no head-of-line block).
	done := make(chan error, 1)
	go func() {
		_, err := b.Acquire(ctx, 50)
		done <- err
	}()
	time.Sleep(30 * time.Millisecond)
	small, err = b.Acquire(ctx, 20)
	if err != nil {
		t.Fatalf("a small decode queued behind a waiting large one: %v", err)
	}
	small()
	if err := <-done; !errors.Is(err, apperr.ErrBusy) {
		t.Fatalf("the waiting large decode: %v", err)
	}
	// One large decode at a time, even when two would fit.
	wide := imagebudget.New(1000, 100*time.Millisecond)
	first, err := wide.Acquire(ctx, 300)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wide.Acquire(ctx, 300); !errors.Is(err, apperr.ErrBusy) {
		t.Fatalf("a second large decode beside the first: %v, want busy", err)
	}
	first()
	if second, err := wide.Acquire(ctx, 300); err != nil {
		t.Fatalf("a large decode after the first ended: %v", err)
	} else {
		second()
	}
	// Released bytes are admitted again.
	big()
	if rel, err := b.Acquire(ctx, 100); err != nil {
		t.Fatalf("after release: %v", err)
	} else {
		rel()
	}
	// The caller's deadline wins over the wait.
	hold, _ := b.Acquire(ctx, 90)
	defer hold()
	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	start = time.Now()
	if _, err := b.Acquire(cctx, 20); !errors.Is(err, apperr.ErrBusy) || time.Since(start) > 120*time.Millisecond {
		t.Fatalf("with a 20 ms deadline: %v after %v", err, time.Since(start))
	}
}
