package httpapi

import (
	"testing"
	"time"
)

func TestWindowLimiter(t *testing.T) {
	now := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	l := newWindowLimiter(3, time.Minute, func() time.Time { return now })
	for i := 0; i < 3; i++ {
		if ok, _ := l.allow("a"); !ok {
			t.Fatalf("request %d refused", i+1)
		}
	}
	ok, wait := l.allow("a")
	if ok || wait != time.Minute {
		t.Fatalf("4th request: ok=%v wait=%v", ok, wait)
	}
	if ok, _ := l.allow("b"); !ok {
		t.Fatal("another key shares the first key's budget")
	}
	now = now.Add(40 * time.Second)
	if ok, wait := l.allow("a"); ok || wait != 20*time.Second {
		t.Fatalf("same window: ok=%v wait=%v", ok, wait)
	}
	now = now.Add(20 * time.Second)
	if ok, _ := l.allow("a"); !ok {
		t.Fatal("a new window should allow again")
	}
	if len(l.counts) != 1 {
		t.Fatalf("old keys kept: %v", l.counts)
	}
}
