package capturecode

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// sealVersion prefixes every sealed value so that a later key rotation or algorithm
// change can tell old values from new ones.
const sealVersion = "v1:"

// Sealer encrypts payloads at rest with AES-256-GCM. It is safe for concurrent use.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer takes a 32-byte key (config capture_code.encryption_key, hex-decoded).
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("capture code key: need 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("capture code key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("capture code key: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal returns "v1:" + base64url(nonce || ciphertext || tag), fit for a text column.
// A fresh random nonce makes two seals of the same text differ; uniqueness is
// enforced on Fingerprint instead.
func (s *Sealer) Seal(text string) (string, error) {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(text)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal capture code: %w", err)
	}
	out := s.aead.Seal(nonce, nonce, []byte(text), []byte(sealVersion))
	return sealVersion + base64.RawURLEncoding.EncodeToString(out), nil
}

// ErrSealedInvalid reports a sealed value that is malformed, was sealed under another
// key or was tampered with.
var ErrSealedInvalid = errors.New("sealed capture code is invalid or was sealed with another key")

// Open reverses Seal.
func (s *Sealer) Open(sealed string) (string, error) {
	body, ok := strings.CutPrefix(sealed, sealVersion)
	if !ok {
		return "", fmt.Errorf("%w: unknown version", ErrSealedInvalid)
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrSealedInvalid, err)
	}
	ns := s.aead.NonceSize()
	if len(raw) < ns+s.aead.Overhead() {
		return "", fmt.Errorf("%w: too short", ErrSealedInvalid)
	}
	plain, err := s.aead.Open(nil, raw[:ns], raw[ns:], []byte(sealVersion))
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrSealedInvalid, err)
	}
	return string(plain), nil
}
