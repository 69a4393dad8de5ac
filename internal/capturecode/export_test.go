package capturecode

import "time"

// WithAttemptDelay makes every reader attempt wait d first: a stand-in for a slow or
// heavily loaded machine, for tests that show the answer does not depend on it.
func WithAttemptDelay(d time.Duration) Option {
	return func(dec *Decoder) { dec.beforeAttempt = func() { time.Sleep(d) } }
}
