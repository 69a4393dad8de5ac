package review

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkClaimDecide measures one reviewer step (claim the oldest task, approve it,
// queue its SMS) on SQLite: the queue's own cost beside a human's seconds per photo.
func BenchmarkClaimDecide(b *testing.B) {
	g := openSQLite(b)
	f := newFixture(g)
	ctx := context.Background()
	for i := range b.N {
		id := fmt.Sprintf("c_bench_%d", i)
		f.cols.add(Subject{CollectionID: id, SchoolID: "s1", SchoolName: "中国石油大学", Phone: "13800001234"})
		if err := f.svc.Enqueue(ctx, id, t0.Add(-time.Hour)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		c, err := f.svc.Claim(ctx, "bench")
		if err != nil || c == nil {
			b.Fatalf("claim: %v, %v", c, err)
		}
		if _, err := f.svc.Decide(ctx, "bench", c.Task.ID, Decision{Outcome: Approve}); err != nil {
			b.Fatal(err)
		}
	}
}
