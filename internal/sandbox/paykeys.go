package sandbox

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/utils"
)

// PayKeys are the secrets of a sandbox merchant and of the sandbox's WeChat Pay: what
// a real merchant gets from the merchant platform, generated locally.
type PayKeys struct {
	MchPrivateKey *rsa.PrivateKey // the merchant's API key (signs requests)
	MchSerial     string          // the merchant certificate's serial number
	MchKeyFile    string          // PEM file of MchPrivateKey (for pay.mch_key_file)

	PlatformPrivateKey *rsa.PrivateKey   // WeChat Pay's signing key (sandbox side only)
	PlatformCert       *x509.Certificate // its self-signed certificate, served by /v3/certificates
	PlatformCertPEM    string
	PlatformSerial     string
	PublicKeyID        string // PUB_KEY_ID_..., the public-key mode's name for the same key
	PublicKeyFile      string // PEM file of the platform public key (for pay.public_key_file)

	APIv3Key string // 32 characters
}

// Files under the key directory.
const (
	mchKeyFile        = "merchant_key.pem"
	mchSerialFile     = "merchant_serial.txt"
	platformKeyFile   = "platform_key.pem"
	platformCertFile  = "platform_cert.pem"
	platformPubFile   = "platform_public_key.pem"
	publicKeyIDFile   = "public_key_id.txt"
	apiV3KeyFile      = "apiv3_key.txt"
	apiV3KeyAlphabet  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	platformCertYears = 5
)

// EnsurePayKeys loads the sandbox keys from dir, generating them at first start.
func EnsurePayKeys(dir string) (*PayKeys, error) {
	if _, err := os.Stat(filepath.Join(dir, apiV3KeyFile)); errors.Is(err, os.ErrNotExist) {
		if err := generatePayKeys(dir); err != nil {
			return nil, err
		}
	}
	return loadPayKeys(dir)
}

func generatePayKeys(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("sandbox: key dir: %w", err)
	}
	mchKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	platKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 159))
	if err != nil {
		return err
	}
	serial.SetBit(serial, 159, 1) // 20 bytes, so the serial is 40 hex digits like WeChat's
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "Sandbox WeChat Pay Platform", Organization: []string{"gradphoto sandbox"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(platformCertYears, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &platKey.PublicKey, platKey)
	if err != nil {
		return fmt.Errorf("sandbox: platform certificate: %w", err)
	}
	mchDER, err := x509.MarshalPKCS8PrivateKey(mchKey)
	if err != nil {
		return err
	}
	platDER, err := x509.MarshalPKCS8PrivateKey(platKey)
	if err != nil {
		return err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&platKey.PublicKey)
	if err != nil {
		return err
	}
	apiKey := make([]byte, 32)
	if _, err := rand.Read(apiKey); err != nil {
		return err
	}
	for i := range apiKey {
		apiKey[i] = apiV3KeyAlphabet[int(apiKey[i])%len(apiV3KeyAlphabet)]
	}
	files := []struct {
		name string
		data []byte
	}{
		{mchKeyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: mchDER})},
		{mchSerialFile, []byte(strings.ToUpper(payRandomHex(20)) + "\n")},
		{platformKeyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: platDER})},
		{platformCertFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})},
		{platformPubFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})},
		{publicKeyIDFile, []byte("PUB_KEY_ID_0119" + strings.ToUpper(payRandomHex(14)) + "\n")},
		// Written last: its presence means the set is complete.
		{apiV3KeyFile, append(apiKey, '\n')},
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, 0o600); err != nil {
			return fmt.Errorf("sandbox: write %s: %w", f.name, err)
		}
	}
	return nil
}

func loadPayKeys(dir string) (*PayKeys, error) {
	read := func(name string) (string, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return "", fmt.Errorf("sandbox: read %s: %w", name, err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	k := &PayKeys{MchKeyFile: filepath.Join(dir, mchKeyFile), PublicKeyFile: filepath.Join(dir, platformPubFile)}
	var err error
	var text string
	if text, err = read(mchKeyFile); err != nil {
		return nil, err
	}
	if k.MchPrivateKey, err = utils.LoadPrivateKey(text); err != nil {
		return nil, fmt.Errorf("sandbox: merchant key: %w", err)
	}
	if k.MchSerial, err = read(mchSerialFile); err != nil {
		return nil, err
	}
	if text, err = read(platformKeyFile); err != nil {
		return nil, err
	}
	if k.PlatformPrivateKey, err = utils.LoadPrivateKey(text); err != nil {
		return nil, fmt.Errorf("sandbox: platform key: %w", err)
	}
	if k.PlatformCertPEM, err = read(platformCertFile); err != nil {
		return nil, err
	}
	if k.PlatformCert, err = utils.LoadCertificate(k.PlatformCertPEM); err != nil {
		return nil, fmt.Errorf("sandbox: platform certificate: %w", err)
	}
	k.PlatformSerial = utils.GetCertificateSerialNumber(*k.PlatformCert)
	if k.PublicKeyID, err = read(publicKeyIDFile); err != nil {
		return nil, err
	}
	if k.APIv3Key, err = read(apiV3KeyFile); err != nil {
		return nil, err
	}
	if len(k.APIv3Key) != 32 {
		return nil, fmt.Errorf("sandbox: %s must hold 32 characters", apiV3KeyFile)
	}
	return k, nil
}
