package sandbox

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// weChatHosts are the hosts the SDKs call; in sandbox mode they are rewritten.
var weChatHosts = map[string]bool{
	"api.weixin.qq.com":      true,
	"api2.weixin.qq.com":     true,
	"api.mch.weixin.qq.com":  true,
	"api2.mch.weixin.qq.com": true,
}

type baseKey struct{}

// WithBaseURL makes requests made with ctx go to another sandbox than the client's
// default: the silenceper SDK's HTTP client is package-level, so two sandboxes in one
// process (parallel tests) are told apart by the request context.
func WithBaseURL(ctx context.Context, base string) context.Context {
	return context.WithValue(ctx, baseKey{}, base)
}

// RewriteTransport sends requests for WeChat's hosts to the sandbox at Base (e.g.
// http://127.0.0.1:8080/sandbox), keeping path and query: the SDKs run unchanged.
type RewriteTransport struct {
	Base string
	Next http.RoundTripper
}

func (t *RewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !weChatHosts[req.URL.Host] {
		return t.next().RoundTrip(req)
	}
	base := t.Base
	if b, ok := req.Context().Value(baseKey{}).(string); ok && b != "" {
		base = b
	}
	target, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	out := req.Clone(req.Context())
	out.URL.Scheme = target.Scheme
	out.URL.Host = target.Host
	out.URL.Path = strings.TrimRight(target.Path, "/") + req.URL.Path
	if req.URL.RawPath != "" {
		out.URL.RawPath = strings.TrimRight(target.Path, "/") + req.URL.RawPath
	}
	out.Host = target.Host
	return t.next().RoundTrip(out)
}

func (t *RewriteTransport) next() http.RoundTripper {
	if t.Next != nil {
		return t.Next
	}
	return http.DefaultTransport
}

// NewHTTPClient returns a client whose WeChat requests go to the sandbox at baseURL.
func NewHTTPClient(baseURL string) *http.Client {
	return &http.Client{Transport: &RewriteTransport{Base: baseURL}, Timeout: 10 * time.Second}
}
