package httpapi

import (
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gradphoto/gradphoto/internal/apperr"
)

// windowLimiter allows n requests per key per fixed window. It is per instance: with
// several instances a client gets n per instance, which is enough to stop one phone (or
// script) from spending the CPU of photo checks that every other student waits for.
type windowLimiter struct {
	n      int
	window time.Duration
	now    func() time.Time

	mu     sync.Mutex
	start  time.Time
	counts map[string]int
}

func newWindowLimiter(n int, window time.Duration, now func() time.Time) *windowLimiter {
	return &windowLimiter{n: n, window: window, now: now, counts: map[string]int{}}
}

// allow counts one request for key; it reports whether it is within the limit and, if
// not, how long until the window turns.
func (l *windowLimiter) allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.start) >= l.window {
		l.start, l.counts = now, map[string]int{} // a new window forgets every key: bounded memory
	}
	if l.counts[key] >= l.n {
		return false, l.start.Add(l.window).Sub(now)
	}
	l.counts[key]++
	return true, 0
}

// limit answers 429 rate_limited (with Retry-After) past n requests per key and window.
func (s *Server) limit(l *windowLimiter, key func(c *gin.Context) string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if l.n <= 0 {
			c.Next()
			return
		}
		ok, wait := l.allow(key(c))
		if !ok {
			c.Header("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
			s.fail(c, apperr.ErrRateLimited.WithDetails(map[string]any{"retry_after_seconds": int(wait.Seconds()) + 1}))
			return
		}
		c.Next()
	}
}

func byClientIP(c *gin.Context) string { return c.ClientIP() }

func byPrincipal(c *gin.Context) string {
	if p := principal(c); p != nil {
		return p.Kind + ":" + p.Subject
	}
	return "ip:" + c.ClientIP()
}
