package wxsubscribe

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/silenceper/wechat/v2"
	"github.com/silenceper/wechat/v2/cache"
	miniConfig "github.com/silenceper/wechat/v2/miniprogram/config"

	"github.com/gradphoto/gradphoto/internal/notify"
	"github.com/gradphoto/gradphoto/internal/sandbox"
)

// TestSendThroughSandbox drives the real SDK (token, then subscribe send) against the
// sandbox. The SDK's HTTP client is package-level: this test must not run in parallel.
func TestSendThroughSandbox(t *testing.T) {
	gin.SetMode(gin.TestMode)
	r := gin.New()
	g := r.Group("/sandbox")
	mini := sandbox.NewMiniProgram("wxtestapp", "test-secret")
	mini.Mount(g)
	subs := sandbox.NewSubscribe(mini)
	subs.Mount(g)
	srv := httptest.NewServer(r)
	defer srv.Close()

	wc := wechat.NewWechat()
	wc.SetHTTPClient(sandbox.NewHTTPClient("http://127.0.0.1:1/unused")) // the hook below routes each call
	mp := wc.GetMiniProgram(&miniConfig.Config{AppID: "wxtestapp", AppSecret: "test-secret", Cache: cache.NewMemory()})
	base := srv.URL + "/sandbox"
	hook := func(ctx context.Context) context.Context { return sandbox.WithBaseURL(ctx, base) }
	s := New(mp, Config{TemplateApproved: "tmpl-ok", TemplateRejected: "tmpl-rej", Page: "pages/status/status"}, hook)

	rejected := notify.Message{IdempotencyKey: "review:1:subscribe", Channel: notify.ChannelSubscribe, Recipient: "sandbox-stu1",
		Template: notify.TemplateReviewRejected, CollectionID: "c_1",
		Params: map[string]string{notify.ParamSchool: "中国石油大学（华东）继续教育学院函授站点二部", notify.ParamReasons: "头发遮挡眉毛", notify.ParamTime: "2026-06-01 16:00"}}
	tests := []struct {
		name      string
		msg       func() notify.Message
		wantErr   string
		permanent bool
	}{
		{name: "rejection delivered", msg: func() notify.Message { return rejected }},
		{name: "no subscription is permanent", wantErr: "43101", permanent: true, msg: func() notify.Message {
			m := rejected
			m.Recipient = "sandbox-nosub-2"
			return m
		}},
		{name: "unknown template is permanent", wantErr: "no template id", permanent: true, msg: func() notify.Message {
			m := rejected
			m.Template = "other"
			return m
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Send(context.Background(), tc.msg())
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || notify.IsPermanent(err) != tc.permanent {
				t.Fatalf("error = %v (permanent %v), want %q (permanent %v)", err, notify.IsPermanent(err), tc.wantErr, tc.permanent)
			}
		})
	}
	got := subs.Messages()
	if len(got) != 1 {
		t.Fatalf("sandbox recorded %d messages, want 1", len(got))
	}
	m := got[0]
	want := map[string]string{"thing1": "中国石油大学（华东）继续教育学院函授站…", "phrase2": "审核失败", "thing3": "头发遮挡眉毛", "time4": "2026-06-01 16:00"}
	if m.ToUser != "sandbox-stu1" || m.TemplateID != "tmpl-rej" || m.Page != "pages/status/status?id=c_1" {
		t.Fatalf("message = %+v", m)
	}
	for k, v := range want {
		if m.Data[k] != v {
			t.Fatalf("data[%s] = %q, want %q", k, m.Data[k], v)
		}
	}
}
