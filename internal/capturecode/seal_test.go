package capturecode_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/gradphoto/gradphoto/internal/capturecode"
)

func newSealer(t *testing.T, fill byte) *capturecode.Sealer {
	t.Helper()
	s, err := capturecode.NewSealer(bytes.Repeat([]byte{fill}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealerRoundTrip(t *testing.T) {
	s := newSealer(t, 1)
	for _, text := range []string{"", "0123456789abcdef", "学信网图像采集码-ABC", strings.Repeat("x", 1024)} {
		sealed, err := s.Seal(text)
		if err != nil {
			t.Fatal(err)
		}
		if len(text) > 0 && strings.Contains(sealed, text) {
			t.Fatalf("sealed value contains the plaintext")
		}
		got, err := s.Open(sealed)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if got != text {
			t.Fatalf("Open = %q, want %q", got, text)
		}
	}
}

func TestSealerNonceIsFresh(t *testing.T) {
	s := newSealer(t, 1)
	a, _ := s.Seal("0123456789abcdef")
	b, _ := s.Seal("0123456789abcdef")
	if a == b {
		t.Fatal("two seals of the same text are equal: nonce reused")
	}
}

func TestSealerRejects(t *testing.T) {
	s := newSealer(t, 1)
	sealed, err := s.Seal("0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	flipped := []byte(sealed)
	flipped[len(flipped)-3] ^= 0x01
	tests := []struct {
		name   string
		sealer *capturecode.Sealer
		value  string
	}{
		{"another key", newSealer(t, 2), sealed},
		{"tampered", s, string(flipped)},
		{"no version", s, strings.TrimPrefix(sealed, "v1:")},
		{"unknown version", s, "v2:" + strings.TrimPrefix(sealed, "v1:")},
		{"not base64", s, "v1:***"},
		{"too short", s, "v1:AAAA"},
		{"empty", s, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.sealer.Open(tt.value)
			if !errors.Is(err, capturecode.ErrSealedInvalid) {
				t.Fatalf("Open = %q, %v; want ErrSealedInvalid", got, err)
			}
		})
	}
}

func TestNewSealerKeyLength(t *testing.T) {
	for _, n := range []int{0, 16, 24, 31, 33} {
		if _, err := capturecode.NewSealer(make([]byte, n)); err == nil {
			t.Errorf("NewSealer accepted a %d-byte key; AES-256 needs 32", n)
		}
	}
}
