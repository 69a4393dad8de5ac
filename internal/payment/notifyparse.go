package payment

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core/auth"
	"github.com/wechatpay-apiv3/wechatpay-go/core/notify"
)

// maxNotifyBytes bounds a notification body; WeChat's are a few KB.
const maxNotifyBytes = 64 << 10

// notifySkew is WeChat's rule for Wechatpay-Timestamp (the SDK's consts.FiveMinute).
const notifySkew = 5 * time.Minute

// NotifyParser verifies and decrypts WeChat Pay notifications exactly as wechatpay-go's
// notify.Handler does (same verifier, same message "ts\nnonce\nbody\n", same
// AEAD_AES_256_GCM), but with an injected clock: the SDK's validator reads time.Now,
// which makes the 5-minute rule untestable with recorded notifications.
type NotifyParser struct {
	verifier auth.Verifier
	aead     cipher.AEAD
	now      func() time.Time
}

// NewNotifyParser builds a parser. apiV3Key is the AES key (32 bytes in production;
// the SDK's own test vectors use 16).
func NewNotifyParser(apiV3Key string, verifier auth.Verifier, now func() time.Time) (*NotifyParser, error) {
	block, err := aes.NewCipher([]byte(apiV3Key))
	if err != nil {
		return nil, fmt.Errorf("payment: api v3 key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("payment: api v3 key: %w", err)
	}
	if now == nil {
		now = time.Now
	}
	return &NotifyParser{verifier: verifier, aead: aead, now: now}, nil
}

// Parse verifies r (signature first, then the timestamp) and decrypts its resource. It
// leaves r.Body readable again. Every failure wraps ErrNotifyRejected.
func (p *NotifyParser) Parse(ctx context.Context, r *http.Request) (*Notice, error) {
	reject := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrNotifyRejected, fmt.Sprintf(format, a...))
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxNotifyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("payment: read notification: %w", err)
	}
	_ = r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	if len(body) > maxNotifyBytes {
		return nil, reject("body over %d bytes", maxNotifyBytes)
	}
	if st := r.Header.Get("Wechatpay-Signature-Type"); st != "" && st != "WECHATPAY2-SHA256-RSA2048" {
		return nil, reject("unsupported signature type %q", st)
	}
	serial := strings.TrimSpace(r.Header.Get("Wechatpay-Serial"))
	signature := strings.TrimSpace(r.Header.Get("Wechatpay-Signature"))
	nonce := strings.TrimSpace(r.Header.Get("Wechatpay-Nonce"))
	tsText := strings.TrimSpace(r.Header.Get("Wechatpay-Timestamp"))
	if serial == "" || signature == "" || nonce == "" || tsText == "" {
		return nil, reject("missing Wechatpay-* headers")
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return nil, reject("bad timestamp")
	}
	message := tsText + "\n" + nonce + "\n" + string(body) + "\n"
	if err := p.verifier.Verify(ctx, serial, message, signature); err != nil {
		return nil, reject("signature: %v", err)
	}
	// Checked after the signature so that a replayed, genuinely signed notification is
	// told apart from a forged one in the logs.
	if skew := p.now().Sub(time.Unix(ts, 0)); skew >= notifySkew || skew <= -notifySkew {
		return nil, reject("timestamp %d is %s away from now", ts, skew.Round(time.Second))
	}
	var env notify.Request
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, reject("body: %v", err)
	}
	if env.Resource == nil {
		return nil, reject("no resource")
	}
	if env.Resource.Algorithm != "AEAD_AES_256_GCM" {
		return nil, reject("resource algorithm %q", env.Resource.Algorithm)
	}
	plain, err := p.decrypt(env.Resource.Nonce, env.Resource.AssociatedData, env.Resource.Ciphertext)
	if err != nil {
		return nil, reject("resource: %v", err)
	}
	return &Notice{
		ID:           env.ID,
		EventType:    env.EventType,
		ResourceType: env.ResourceType,
		OriginalType: env.Resource.OriginalType,
		Summary:      env.Summary,
		CreateTime:   env.CreateTime,
		Plaintext:    string(plain),
	}, nil
}

// decrypt opens an AEAD_AES_256_GCM resource (base64 ciphertext with the tag appended).
func (p *NotifyParser) decrypt(nonce, associatedData, ciphertext string) ([]byte, error) {
	data, err := base64.StdEncoding.DecodeString(ciphertext)
	if err != nil {
		return nil, fmt.Errorf("ciphertext: %w", err)
	}
	if len(nonce) != p.aead.NonceSize() {
		return nil, fmt.Errorf("nonce of %d bytes", len(nonce))
	}
	plain, err := p.aead.Open(nil, []byte(nonce), data, []byte(associatedData))
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	return plain, nil
}
