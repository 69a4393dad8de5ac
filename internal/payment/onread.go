package payment

import (
	"context"
	"sync"
	"time"
)

// onReadQueryTimeout bounds the WeChat Pay query made while a student waits for a page.
const onReadQueryTimeout = 3 * time.Second

// SyncOpenOrder is the query on read: when a collection's open order has had a prepay
// (so the student may have paid in wx.requestPayment), WeChat Pay is asked about it and
// a success is applied at once, so that the student back from paying sees 审核中 even
// when the notification is late (the reconciler looks only after ReconcileAfter). At
// most one query per order per QueryOnReadInterval on this instance; failures are
// logged and leave the order to the notification and the reconciler.
func (s *Service) SyncOpenOrder(ctx context.Context, collectionID string) {
	o, err := s.openOrder(ctx, collectionID)
	if err != nil || o == nil || o.PrepayID == "" {
		return
	}
	if !s.onRead.allow(o.OutTradeNo, s.clock(), s.cfg.QueryOnReadInterval) {
		return
	}
	qctx, cancel := context.WithTimeout(ctx, onReadQueryTimeout)
	defer cancel()
	s.syncCreated(qctx, o)
}

// readLimiter remembers when each order was last queried on read.
type readLimiter struct {
	mu   sync.Mutex
	last map[string]time.Time
}

func (l *readLimiter) allow(key string, now time.Time, every time.Duration) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.last == nil {
		l.last = map[string]time.Time{}
	}
	if t, ok := l.last[key]; ok && now.Sub(t) < every {
		return false
	}
	if len(l.last) > 10000 {
		// Forget what is past its interval: the map stays the size of the orders being paid.
		for k, t := range l.last {
			if now.Sub(t) >= every {
				delete(l.last, k)
			}
		}
	}
	l.last[key] = now
	return true
}
