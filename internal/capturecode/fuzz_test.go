package capturecode_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/capturecode"
)

// FuzzDecode feeds arbitrary bytes to Decode: it must never panic and must answer
// either a payload or a client error (4xx), never an internal one.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"noqr_checkerboard.png", "wechat_resized_540x1170_q40.jpg", "dark_mode.png"} {
		f.Add(readCorpus(f, name))
	}
	f.Add([]byte{})
	f.Add([]byte("GIF89a\x01\x00\x01\x00"))
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x10, 'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 42, 0, 0, 0, 8})
	f.Add(pngHeader(20000, 20000))
	f.Add(pngHeader(3, 3))
	// A small pixel cap and work budget keep each fuzz run fast; the logic is the same.
	d := capturecode.NewDecoder(capturecode.WithMaxPixels(1_500_000), capturecode.WithWorkBudget(20_000_000))
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		text, err := d.Decode(ctx, data)
		if err == nil {
			if text == "" {
				t.Fatal("success with an empty payload")
			}
			return
		}
		var ae *apperr.Error
		if !errors.As(err, &ae) {
			t.Fatalf("error is not an *apperr.Error: %v", err)
		}
		if ae.Kind == apperr.KindInternal {
			t.Fatalf("internal error on client input: %v", err)
		}
	})
}
