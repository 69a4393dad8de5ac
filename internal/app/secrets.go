package app

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gradphoto/gradphoto/internal/config"
)

type secrets struct {
	token      []byte
	captureKey []byte
}

// loadSecrets takes secrets from config; in sandbox mode missing ones are generated
// once into <data_dir>/secrets so that tokens survive restarts. Production config
// validation already demands them.
func loadSecrets(cfg *config.Config) (*secrets, error) {
	s := &secrets{token: []byte(cfg.Auth.TokenSecret)}
	var err error
	if len(s.token) == 0 {
		if s.token, err = devSecret(cfg, "token.key"); err != nil {
			return nil, err
		}
	}
	if cfg.Capture.EncryptionKey != "" {
		if s.captureKey, err = hex.DecodeString(cfg.Capture.EncryptionKey); err != nil || len(s.captureKey) != 32 {
			return nil, errors.New("config: capture_code.encryption_key (GRADPHOTO_CAPTURE_CODE_KEY): must be 64 hex characters (32 bytes)")
		}
	} else if s.captureKey, err = devSecret(cfg, "capture-code.key"); err != nil {
		return nil, err
	}
	return s, nil
}

func devSecret(cfg *config.Config, name string) ([]byte, error) {
	if !cfg.Sandbox() {
		return nil, fmt.Errorf("config: secret %s is required in production mode", name)
	}
	dir := filepath.Join(cfg.DataDir, "secrets")
	path := filepath.Join(dir, name)
	if b, err := os.ReadFile(path); err == nil {
		k, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(k) != 32 {
			return nil, fmt.Errorf("secret %s is corrupt; delete it to make a new one", path)
		}
		return k, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, []byte(hex.EncodeToString(k)), 0o600); err != nil {
		return nil, err
	}
	return k, nil
}
