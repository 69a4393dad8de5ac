// Package imagebudget bounds the memory that image decodes hold at once. Pixel caps
// alone do not: a 228 KB progressive JPEG of 39 MP needs ~580 MB to decode (Go keeps
// every DCT coefficient as an int32), a 300 KB 16-bit PNG of 49 MP ~400 MB. Each
// decode is admitted by its peak estimated from the header (Estimate) against one
// process-wide budget (a weighted semaphore); what does not fit waits briefly and is
// then refused as busy, never decoded into an out-of-memory death.
package imagebudget

import (
	"context"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/gradphoto/gradphoto/internal/apperr"
)

// ErrTooBig: one decode would need more than the whole budget, so waiting cannot help.
var ErrTooBig = apperr.New(apperr.KindTooLarge, "image_too_complex",
	"图片解码所需内存过大，请上传普通的JPG或PNG图片（例如手机截图或相机原图）")

// Budget is a process-wide memory budget for decodes, safe for concurrent use.
type Budget struct {
	sem   *semaphore.Weighted
	total int64
	wait  time.Duration
	// large admits one large decode at a time: a bomb that fits still takes a core for
	// seconds, and ordinary uploads must keep the other.
	large chan struct{}
}

// New returns a budget of total bytes; a decode that cannot be admitted within wait
// (or before its context ends) gets apperr.ErrBusy.
func New(total int64, wait time.Duration) *Budget {
	return &Budget{sem: semaphore.NewWeighted(total), total: total, wait: wait, large: make(chan struct{}, 1)}
}

// Total is the budget in bytes.
func (b *Budget) Total() int64 { return b.total }

// large decodes (a quarter of the budget or more) do not queue: x/sync's semaphore
// serves waiters in order, so one queued bomb would hold every ordinary upload behind
// it. They retry at this interval instead, one at a time, and give up after the wait.
const largePoll = 25 * time.Millisecond

// Acquire reserves n bytes and returns the function that gives them back.
func (b *Budget) Acquire(ctx context.Context, n int64) (release func(), err error) {
	if n > b.total {
		return nil, ErrTooBig
	}
	n = max(n, 1)
	ctx, cancel := context.WithTimeout(ctx, b.wait)
	defer cancel()
	if n < b.total/4 {
		if err := b.sem.Acquire(ctx, n); err != nil {
			return nil, apperr.ErrBusy.Wrap(err)
		}
		return func() { b.sem.Release(n) }, nil
	}
	t := time.NewTicker(largePoll)
	defer t.Stop()
	for {
		select {
		case b.large <- struct{}{}:
			if b.sem.TryAcquire(n) {
				return func() { b.sem.Release(n); <-b.large }, nil
			}
			<-b.large
		default:
		}
		select {
		case <-ctx.Done():
			return nil, apperr.ErrBusy.Wrap(ctx.Err())
		case <-t.C:
		}
	}
}
