package notify

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkOutbox measures enqueueing and delivering one message (claim with lease,
// send to a no-op provider, record sent and its history) on SQLite.
func BenchmarkOutbox(b *testing.B) {
	g := openSQLite(b)
	ctx := context.Background()
	o := NewOutbox(g, map[string]Sender{ChannelSMS: &recordingSender{}}, Config{BatchSize: 50}, newClock().Now, discardLog())
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if err := o.Enqueue(ctx, smsMessage(fmt.Sprintf("bench-%d", i))); err != nil {
			b.Fatal(err)
		}
	}
	sent := 0
	for sent < b.N {
		n, err := o.ProcessOnce(ctx)
		if err != nil || n == 0 {
			b.Fatalf("ProcessOnce = %d, %v after %d of %d", n, err, sent, b.N)
		}
		sent += n
	}
}
