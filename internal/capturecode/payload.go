package capturecode

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"unicode"
	"unicode/utf8"
)

// Rules are the acceptance rules for a decoded payload (config capture_code.*).
type Rules struct {
	MinLength int    // in characters; 16 by default
	MaxLength int    // in characters; 1024 by default
	Pattern   string // optional regular expression the whole payload must match
}

// DefaultRules are the rules used when the configuration says nothing.
func DefaultRules() Rules { return Rules{MinLength: 16, MaxLength: 1024} }

// Validate accepts printable text whose length is within bounds and that matches
// Pattern when one is set. Pattern is anchored: it must match the whole payload.
func (r Rules) Validate(text string) error {
	minLen, maxLen := r.MinLength, r.MaxLength
	if minLen <= 0 {
		minLen = DefaultRules().MinLength
	}
	if maxLen <= 0 {
		maxLen = DefaultRules().MaxLength
	}
	if !utf8.ValidString(text) {
		return ErrQRInvalid.Wrap(fmt.Errorf("payload is not valid UTF-8"))
	}
	n := utf8.RuneCountInString(text)
	if n < minLen || n > maxLen {
		return ErrQRInvalid.Wrap(fmt.Errorf("payload length %d outside [%d, %d]", n, minLen, maxLen))
	}
	for _, c := range text {
		// Spaces are allowed inside; control characters, line breaks and
		// invisible format characters are not, as nothing legitimate carries them.
		if !unicode.IsPrint(c) {
			return ErrQRInvalid.Wrap(fmt.Errorf("payload holds a non-printable character U+%04X", c))
		}
	}
	if r.Pattern != "" {
		re, err := regexp.Compile(`^(?:` + r.Pattern + `)$`)
		if err != nil {
			// Config validation compiles the pattern at start, so this is a programming error.
			return fmt.Errorf("capture code pattern: %w", err)
		}
		if !re.MatchString(text) {
			return ErrQRInvalid.Wrap(fmt.Errorf("payload does not match the configured pattern"))
		}
	}
	return nil
}

// Mask keeps the first and last four characters and hides the rest, so that a
// student can recognise their code and logs stay useless to anyone else.
// Texts of 12 characters or fewer show only their first two.
func Mask(text string) string {
	r := []rune(text)
	switch {
	case len(r) == 0:
		return ""
	case len(r) <= 4:
		return "****"
	case len(r) <= 12:
		return string(r[:2]) + "****"
	}
	return string(r[:4]) + "****" + string(r[len(r)-4:])
}

// Fingerprint is the hex SHA-256 of the payload, the key of the uniqueness index
// (the payload itself is stored only sealed).
func Fingerprint(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:])
}
