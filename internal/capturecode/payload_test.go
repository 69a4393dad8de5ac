package capturecode_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/capturecode"
)

func TestRulesValidate(t *testing.T) {
	tests := []struct {
		name  string
		rules capturecode.Rules
		text  string
		ok    bool
	}{
		{"16 chars is the default minimum", capturecode.DefaultRules(), strings.Repeat("a", 16), true},
		{"15 chars is too short", capturecode.DefaultRules(), strings.Repeat("a", 15), false},
		{"1024 chars is the default maximum", capturecode.DefaultRules(), strings.Repeat("Z", 1024), true},
		{"1025 chars is too long", capturecode.DefaultRules(), strings.Repeat("Z", 1025), false},
		{"zero rules fall back to defaults", capturecode.Rules{}, strings.Repeat("a", 15), false},
		{"length counts characters, not bytes", capturecode.Rules{MinLength: 4, MaxLength: 4}, "学信网码", true},
		{"url with spaces and punctuation", capturecode.DefaultRules(), "https://x.invalid/c?a=1&b=2 #frag", true},
		{"newline is not printable", capturecode.DefaultRules(), "abcdefgh\nijklmnop", false},
		{"NUL is not printable", capturecode.DefaultRules(), "abcdefgh\x00ijklmnop", false},
		{"zero-width space is not printable", capturecode.DefaultRules(), "abcdefgh\u200bijklmnop", false},
		{"invalid UTF-8", capturecode.DefaultRules(), "abcdefgh\xffijklmnop", false},
		{"pattern matches", capturecode.Rules{MinLength: 16, MaxLength: 64, Pattern: `[0-9a-f]+`}, strings.Repeat("0a", 8), true},
		{"pattern is anchored at both ends", capturecode.Rules{MinLength: 16, MaxLength: 64, Pattern: `[0-9a-f]+`}, strings.Repeat("0a", 8) + "X", false},
		{"pattern alternation is anchored as a whole", capturecode.Rules{MinLength: 1, MaxLength: 64, Pattern: `abc|def`}, "abcdef", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.rules.Validate(tt.text)
			if tt.ok {
				if err != nil {
					t.Fatalf("Validate: %v, want ok", err)
				}
				return
			}
			if !errors.Is(err, capturecode.ErrQRInvalid) {
				t.Fatalf("Validate: %v, want qr_invalid", err)
			}
			if e := apperr.As(err); e.Kind != apperr.KindRejected || e.Message == "" {
				t.Fatalf("error kind %v message %q, want 422 with a message", e.Kind, e.Message)
			}
		})
	}
}

func TestRulesValidateBadPattern(t *testing.T) {
	err := capturecode.Rules{MinLength: 1, MaxLength: 10, Pattern: `(`}.Validate("abc")
	if err == nil || errors.Is(err, capturecode.ErrQRInvalid) {
		t.Fatalf("Validate with a broken pattern: %v, want a configuration error, not qr_invalid", err)
	}
}

func TestMask(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"abc", "****"},
		{"abcd", "****"},
		{"abcdefghijkl", "ab****"},
		{"abcdefghijklm", "abcd****jklm"},
		{"0123456789abcdef0123456789abcdef", "0123****cdef"},
		{"学信网图像采集码一二三四五", "学信网图****二三四五"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := capturecode.Mask(tt.in)
			if got != tt.want {
				t.Fatalf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if len(tt.in) > 4 && strings.Contains(got, tt.in) {
				t.Fatalf("Mask leaks the whole text")
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	// SHA-256("abc") from FIPS 180-2.
	if got, want := capturecode.Fingerprint("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; got != want {
		t.Fatalf("Fingerprint(abc) = %s, want %s", got, want)
	}
	if capturecode.Fingerprint("code-1") == capturecode.Fingerprint("code-2") {
		t.Fatal("different codes share a fingerprint")
	}
}
