package payment

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/verifiers"
	"github.com/wechatpay-apiv3/wechatpay-go/utils"
)

// Vectors published by wechatpay-go v0.2.21 in core/notify/notify_test.go
// (TestHandler_ParseNotifyRequest), copied as they are.
const (
	sdkNotifyAPIv3Key = "testMchAPIv3Key0"
	sdkNotifyCert     = `-----BEGIN CERTIFICATE-----
MIIDVzCCAj+gAwIBAgIJANfOWdH1ItcBMA0GCSqGSIb3DQEBCwUAMEIxCzAJBgNV
BAYTAlhYMRUwEwYDVQQHDAxEZWZhdWx0IENpdHkxHDAaBgNVBAoME0RlZmF1bHQg
Q29tcGFueSBMdGQwHhcNMjEwNDI3MDg1NTIzWhcNMzEwNDI1MDg1NTIzWjBCMQsw
CQYDVQQGEwJYWDEVMBMGA1UEBwwMRGVmYXVsdCBDaXR5MRwwGgYDVQQKDBNEZWZh
dWx0IENvbXBhbnkgTHRkMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA
2VCTd91fnUn73Xy9DLvt/V62TVxRTEEstVdeRaZ3B3leO0pldE806mXO4RwdHXag
HQ4vGeZN0yqm++rDsGK+U3AH7kejyD2pXshNP9Cq5YwbptiLGtjcquw4HNxJQUOm
DeJf2vg6byms9RUipiq4SzbJKqJFlUpbuIPDpSpWz10PYmyCNeDGUUK65E5h2B83
4uxl1zNLYQCrkdBzb8oUxwYeP5a2DNxmjL5lsJML7DGr5znsevnoqGRwTm9fxCGf
y8wus7hwKz6clt3Whmmda7UAdb1c08hEQFVRbF14AR73xbnd8N0obCWJPCbzMCtk
aSef4FdEEgEXJiw0VAJT8wIDAQABo1AwTjAdBgNVHQ4EFgQUT1c7nd/SUO76HSoZ
umNUJv1R5PwwHwYDVR0jBBgwFoAUT1c7nd/SUO76HSoZumNUJv1R5PwwDAYDVR0T
BAUwAwEB/zANBgkqhkiG9w0BAQsFAAOCAQEAfTjxKRQMzNB/U6ZoCUS+BSNfa2Oh
0plMN6ZuzwiVVZwg1jywvv5yv04koS7Pd4i9E4gt9ZBUQXlpq+A3oOCEEHNRR6b2
kyazGRM7s0OP5X21WrbpSmKmU6K7hkfx30yYs08LVs/Q8DIhvaj1FCFeJzUCzYn/
fHMq4tsbKO0dKAeydPM/nrUZBmaYQVKMVOORGLFjFKVO7JV6Kq/R86ouhjEPgJOe
2xulNBUcjicqtZlBdEh/PWCYP2SpGVDclKm8jeo175T3EVAkdKzzmfpxtMmnMlmq
cTJOU9TxuGvNASMtjj7pYIerTx+xgZDXEVBWFW9PjJ0TV06tCRsgSHItgg==
-----END CERTIFICATE-----`
	sdkNotifyPlaintext = "{" +
		"\"mchid\":\"1234567890\"," +
		"\"appid\":\"054aa7d7a2a54ab5898df65bd96f001c\"," +
		"\"create_time\":\"2020-06-30T12:12:00+08:00\"," +
		"\"out_contract_code\":\"21640bdbd08e473e828f3206a2741c6e\"" +
		"}"
	sdkNotifyBody = "{" +
		"\"id\":\"3119dfba-e649-5eec-ab1e-3412bc4d2e17\"," +
		"\"create_time\":\"2021-06-24T16:37:26+08:00\"," +
		"\"resource_type\":\"encrypt-resource\"," +
		"\"event_type\":\"PAYSCORE.USER_OPEN_SERVICE\"," +
		"\"summary\":\"签约成功\"," +
		"\"resource\":{" +
		"\"original_type\":\"payscore\"," +
		"\"algorithm\":\"AEAD_AES_256_GCM\"," +
		"\"ciphertext\":\"YDS3lKPaC4Y52Gf3uhft5qUBlIa8b428AWTtTauHQfQrRw+X1WpiuHIDy0vo1Vd6VEq67aVyqPdDYMkRVSDaZL3iZt" +
		"tevRMOoPKMifozg6XPWjIZumks/GpT48lI4NizyeaqLBokNebthah3o1H76qSlO9NkDjp9bzmKLEYYH9TEklFUpsvPqOTOcgSLgh21YJXYR" +
		"7dEBXFgRLiNIKRgO5JdXh1hccRUAlyVWxE54PXpnQ==\"," +
		"\"associated_data\":\"payscore\"," +
		"\"nonce\":\"Kj7QIyUiYx1q\"}" +
		"}"
	sdkNotifySerial    = "D7CE59D1F522D701"
	sdkNotifyTimestamp = 1624523846
	sdkNotifyNonce     = "EcZ9Cmy4Xyx1i6RlJQzLcCyEqDa26NBz"
	sdkNotifySignature = "tJHIiIS9eB2hAYstmAmbbD3ZE5LiIm/Ug5tuL4fC0YOFRWIHV39UFIZXC0e9Wl6lBu6sKvkqDkzpqzBsVHyXF" +
		"lbYZTOQrVdG4b6LfTnK4mikv9++ixJMd3vTf2yCqvBkh98zs3Ds5zsYQakzbcwhmw4fMJs4nPLws28H0UW9FjDR//rxELLwXvV1VEA1I" +
		"BLX70xptjL8hrfUjEE8kkry6yNJTHZRU8CAc7qHli2Ng1V1qb9ARbK8A3ThmFmPQvRGrapI/jS2laKKgYUmfdEdkNO6B2Cke5e8VTxY4" +
		"06ArAmQ90GAihDwIcb16TQMnzCMBoutnwZKNiKRACrFmtxw2Q=="
)

func sdkVectorRequest(mutate func(h http.Header, body *string)) *http.Request {
	body := sdkNotifyBody
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Wechatpay-Nonce", sdkNotifyNonce)
	h.Set("Wechatpay-Timestamp", "1624523846")
	h.Set("Wechatpay-Serial", sdkNotifySerial)
	h.Set("Wechatpay-Signature", sdkNotifySignature)
	if mutate != nil {
		mutate(h, &body)
	}
	r := httptest.NewRequest(http.MethodPost, "https://merchant.example/pay/wechat/notify", strings.NewReader(body))
	r.Header = h
	return r
}

func TestNotifyParserAcceptsSDKVector(t *testing.T) {
	cert, err := utils.LoadCertificate(sdkNotifyCert)
	if err != nil {
		t.Fatal(err)
	}
	verifier := verifiers.NewSHA256WithRSAVerifier(core.NewCertificateMapWithList([]*x509.Certificate{cert}))
	at := func(offset time.Duration) func() time.Time {
		return func() time.Time { return time.Unix(sdkNotifyTimestamp, 0).Add(offset) }
	}
	tests := []struct {
		name    string
		clock   func() time.Time
		mutate  func(h http.Header, body *string)
		wantErr bool
	}{
		{name: "published vector at its own time", clock: at(0)},
		{name: "4m59s later still fresh", clock: at(4*time.Minute + 59*time.Second)},
		{name: "5 minutes later is stale", clock: at(5 * time.Minute), wantErr: true},
		{name: "5 minutes earlier is stale", clock: at(-5 * time.Minute), wantErr: true},
		{name: "body changed", clock: at(0), wantErr: true,
			mutate: func(_ http.Header, b *string) { *b = strings.Replace(*b, "签约成功", "签约失败", 1) }},
		{name: "timestamp changed", clock: at(0), wantErr: true,
			mutate: func(h http.Header, _ *string) { h.Set("Wechatpay-Timestamp", "1624523847") }},
		{name: "unknown serial", clock: at(0), wantErr: true,
			mutate: func(h http.Header, _ *string) { h.Set("Wechatpay-Serial", "0123456789ABCDEF") }},
		{name: "no signature", clock: at(0), wantErr: true,
			mutate: func(h http.Header, _ *string) { h.Del("Wechatpay-Signature") }},
		{name: "other signature type", clock: at(0), wantErr: true,
			mutate: func(h http.Header, _ *string) { h.Set("Wechatpay-Signature-Type", "WECHATPAY2-SM2-WITH-SM3") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewNotifyParser(sdkNotifyAPIv3Key, verifier, tt.clock)
			if err != nil {
				t.Fatal(err)
			}
			n, err := p.Parse(context.Background(), sdkVectorRequest(tt.mutate))
			if tt.wantErr {
				if !errors.Is(err, ErrNotifyRejected) {
					t.Fatalf("err = %v, want ErrNotifyRejected", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n.ID != "3119dfba-e649-5eec-ab1e-3412bc4d2e17" || n.EventType != "PAYSCORE.USER_OPEN_SERVICE" ||
				n.Summary != "签约成功" || n.OriginalType != "payscore" || n.ResourceType != "encrypt-resource" {
				t.Errorf("envelope = %+v", n)
			}
			if n.Plaintext != sdkNotifyPlaintext {
				t.Errorf("plaintext = %s", n.Plaintext)
			}
			if n.CreateTime == nil || n.CreateTime.Format(time.RFC3339) != "2021-06-24T16:37:26+08:00" {
				t.Errorf("create_time = %v", n.CreateTime)
			}
		})
	}
}

// Vector published by wechatpay-go v0.2.21 in utils/aes_test.go.
func TestNotifyParserDecryptsSDKAESVector(t *testing.T) {
	const (
		key            = "testAPIv3Key0000"
		ciphertext     = "FsdXzxryWfKwvLJKf8LG/ToRPTRh8RN9wROC"
		nonce          = "wCq51qZv4Yfg"
		associatedData = "Dl56FrqWQJF1t9LtC3vEUsniZKvbqdR8"
	)
	tests := []struct {
		name                  string
		key, ad, nonce, ctext string
		want                  string
		wantErr               bool
	}{
		{name: "published vector", key: key, ad: associatedData, nonce: nonce, ctext: ciphertext, want: "Hello World"},
		{name: "wrong key", key: "testAPIv3Key1111", ad: associatedData, nonce: nonce, ctext: ciphertext, wantErr: true},
		{name: "wrong associated data", key: key, ad: "transaction", nonce: nonce, ctext: ciphertext, wantErr: true},
		{name: "not base64", key: key, ad: associatedData, nonce: nonce, ctext: "invalid cipher", wantErr: true},
		{name: "not ciphertext", key: key, ad: associatedData, nonce: nonce, ctext: "SGVsbG8gV29ybGQK", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewNotifyParser(tt.key, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.decrypt(tt.nonce, tt.ad, tt.ctext)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if string(got) != tt.want {
				t.Errorf("plaintext = %q, want %q", got, tt.want)
			}
		})
	}
}
