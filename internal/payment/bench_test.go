package payment

import (
	"bytes"
	"context"
	"crypto/x509"
	"io"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/verifiers"
	"github.com/wechatpay-apiv3/wechatpay-go/utils"
)

// BenchmarkNotifyParse: signature check and decryption of one notification (the SDK's
// published vector), the CPU floor of every delivery.
func BenchmarkNotifyParse(b *testing.B) {
	cert, err := utils.LoadCertificate(sdkNotifyCert)
	if err != nil {
		b.Fatal(err)
	}
	p, err := NewNotifyParser(sdkNotifyAPIv3Key, verifiers.NewSHA256WithRSAVerifier(core.NewCertificateMapWithList([]*x509.Certificate{cert})),
		func() time.Time { return time.Unix(sdkNotifyTimestamp, 0) })
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Parse(ctx, sdkVectorRequest(nil)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHandleNotifyRedelivery: a redelivered payment notification end to end on
// SQLite (verify, decrypt, recognise the id, answer): what WeChat's retries cost us.
func BenchmarkHandleNotifyRedelivery(b *testing.B) {
	e := newEnv(b, "sqlite", envOptions{})
	_, tx := e.paidAtWeChat("bench")
	first := e.genuine("", tx)
	body, _ := io.ReadAll(first.Body)
	first.Body = io.NopCloser(bytes.NewReader(body))
	ctx := context.Background()
	if err := e.svc.HandleNotify(ctx, first); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		r := first.Clone(ctx)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err := e.svc.HandleNotify(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}
