package auth

import (
	"sync"
	"time"
)

// loginThrottle counts failed staff logins per client address and per (address,
// account), in this instance's memory. An address that fails too often is refused
// outright (429), and an (address, account) pair that fails too often gets the
// wrong-password answer without a password check; no count is ever kept per account
// alone, so nobody can lock a colleague (or the admin) out from another address.
type loginThrottle struct {
	perAddress int           // failures a minute from one address
	perPair    int           // failures within pairWindow for one (address, account)
	pairWindow time.Duration // e.g. 15 min

	mu      sync.Mutex
	byAddr  map[string][]time.Time
	byPair  map[[2]string][]time.Time
	touched int // operations since the last sweep of expired keys
}

func newLoginThrottle(perAddress, perPair int, pairWindow time.Duration) *loginThrottle {
	return &loginThrottle{perAddress: perAddress, perPair: perPair, pairWindow: pairWindow,
		byAddr: map[string][]time.Time{}, byPair: map[[2]string][]time.Time{}}
}

// recent drops the times before since and returns the rest.
func recent(ts []time.Time, since time.Time) []time.Time {
	i := 0
	for i < len(ts) && !ts[i].After(since) {
		i++
	}
	return ts[i:]
}

// check reports whether the address is refused (and for how long) and whether the pair
// is throttled.
func (t *loginThrottle) check(addr, username string, now time.Time) (addrWait time.Duration, pairThrottled bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	a := recent(t.byAddr[addr], now.Add(-time.Minute))
	t.byAddr[addr] = a
	if len(a) >= t.perAddress {
		return a[len(a)-t.perAddress].Add(time.Minute).Sub(now), false
	}
	key := [2]string{addr, username}
	p := recent(t.byPair[key], now.Add(-t.pairWindow))
	t.byPair[key] = p
	return 0, len(p) >= t.perPair
}

// fail counts one failed login.
func (t *loginThrottle) fail(addr, username string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.byAddr[addr] = append(t.byAddr[addr], now)
	key := [2]string{addr, username}
	t.byPair[key] = append(t.byPair[key], now)
	t.touched++
	if t.touched >= 1024 {
		t.sweep(now)
	}
}

// succeed forgets the pair's failures (a typo then the right password).
func (t *loginThrottle) succeed(addr, username string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.byPair, [2]string{addr, username})
}

// sweep drops expired keys so that memory stays bounded by recent failures.
func (t *loginThrottle) sweep(now time.Time) {
	t.touched = 0
	for k, v := range t.byAddr {
		if len(recent(v, now.Add(-time.Minute))) == 0 {
			delete(t.byAddr, k)
		}
	}
	for k, v := range t.byPair {
		if len(recent(v, now.Add(-t.pairWindow))) == 0 {
			delete(t.byPair, k)
		}
	}
}
