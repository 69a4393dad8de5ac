package payment

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"
)

// TestReconcileInstancesShareTheWork runs three instances' reconcilers at once over the
// same orders: every order is queried and applied once, by exactly one of them.
func TestReconcileInstancesShareTheWork(t *testing.T) {
	for _, dialect := range dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect, envOptions{})
			const orders = 8
			for i := 0; i < orders; i++ {
				e.paidAtWeChat("lease" + strconv.Itoa(i))
			}
			e.clock.Advance(11 * time.Minute)
			instances := []*Service{e.svc}
			for i := 0; i < 2; i++ {
				instances = append(instances, NewService(e.g, e.gw, e.cols, e.reviews, e.alerts,
					Config{AppID: testAppID, MchID: testMchID, ReconcileBatch: 3}, e.clock.Now, slog.New(slog.DiscardHandler)))
			}
			results := make([]ReconcileResult, len(instances))
			var wg sync.WaitGroup
			for i, s := range instances {
				wg.Add(1)
				go func(i int, s *Service) {
					defer wg.Done()
					for {
						res, err := s.Reconcile(context.Background())
						if err != nil {
							t.Error(err)
							return
						}
						if res.Checked == 0 {
							return
						}
						results[i].Checked += res.Checked
						results[i].Paid += res.Paid
						results[i].Failed += res.Failed
					}
				}(i, s)
			}
			wg.Wait()
			var checked, paid, failed int
			for _, r := range results {
				checked, paid, failed = checked+r.Checked, paid+r.Paid, failed+r.Failed
			}
			if checked != orders || paid != orders || failed != 0 {
				t.Fatalf("checked %d, paid %d, failed %d over %+v; want %d each", checked, paid, failed, results, orders)
			}
			if m := e.cols.marks(); len(m) != orders || e.reviews.count() != orders {
				t.Fatalf("%d collections marked paid, %d enqueued", len(m), e.reviews.count())
			}
		})
	}
}
