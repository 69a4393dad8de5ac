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

// TestSendThroughSandbox drives the real SDK (stable token, then subscribe send) against
// the sandbox, whose checks are WeChat's: the page must be in app.json, the data must fit
// the demo templates' keywords, one acceptance allows one message. The SDK's HTTP client
// is package-level: this test must not run in parallel.
func TestSendThroughSandbox(t *testing.T) {
	gin.SetMode(gin.TestMode)
	r := gin.New()
	g := r.Group("/sandbox")
	mini := sandbox.NewMiniProgram("wxtestapp", "test-secret")
	mini.Mount(g)
	subs := sandbox.NewSubscribe(mini, nil)
	subs.Mount(g)
	srv := httptest.NewServer(r)
	defer srv.Close()

	wc := wechat.NewWechat()
	wc.SetHTTPClient(sandbox.NewHTTPClient("http://127.0.0.1:1/unused")) // the hook below routes each call
	mp := wc.GetMiniProgram(&miniConfig.Config{AppID: "wxtestapp", AppSecret: "test-secret", Cache: cache.NewMemory(), UseStableAK: true})
	base := srv.URL + "/sandbox"
	hook := func(ctx context.Context) context.Context { return sandbox.WithBaseURL(ctx, base) }
	s := New(mp, Config{TemplateApproved: sandbox.DemoTemplateApproved, TemplateRejected: sandbox.DemoTemplateRejected}, hook)
	if err := subs.Accept("sandbox-stu1", sandbox.DemoTemplateRejected, sandbox.DemoTemplateApproved); err != nil {
		t.Fatal(err)
	}

	rejected := notify.Message{IdempotencyKey: "review:1:subscribe", Channel: notify.ChannelSubscribe, Recipient: "sandbox-stu1",
		Template: notify.TemplateReviewRejected, CollectionID: "c_1",
		Params: map[string]string{notify.ParamSchool: "中国石油大学（华东）继续教育学院函授站点二部", notify.ParamReasons: "头发遮挡眉毛", notify.ParamTime: "2026年6月1日 16:00"}}
	approved := rejected
	approved.Template = notify.TemplateReviewApproved
	tests := []struct {
		name      string
		msg       func() notify.Message
		wantErr   string
		permanent bool
	}{
		{name: "rejection delivered", msg: func() notify.Message { return rejected }},
		{name: "approval delivered", msg: func() notify.Message { return approved }},
		{name: "second rejection on one acceptance is permanent", wantErr: "43101", permanent: true, msg: func() notify.Message { return rejected }},
		{name: "never accepted is permanent", wantErr: "43101", permanent: true, msg: func() notify.Message {
			m := rejected
			m.Recipient = "sandbox-stu2"
			return m
		}},
		{name: "a time not in WeChat's format is permanent", wantErr: "47003", permanent: true, msg: func() notify.Message {
			m := approved
			m.Params = map[string]string{notify.ParamSchool: "中国石油大学", notify.ParamTime: "2026-06-01 16:00"}
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
	if len(got) != 2 {
		t.Fatalf("sandbox recorded %d messages, want 2", len(got))
	}
	m := got[0]
	want := map[string]string{"thing1": "中国石油大学（华东）继续教育学院函授站…", "thing2": "头发遮挡眉毛", "time3": "2026年6月1日 16:00", "thing4": "请重新上传照片，无需再付费"}
	if m.ToUser != "sandbox-stu1" || m.TemplateID != sandbox.DemoTemplateRejected || m.Page != "pages/review/review?id=c_1" {
		t.Fatalf("message = %+v", m)
	}
	for k, v := range want {
		if m.Data[k] != v {
			t.Fatalf("data[%s] = %q, want %q", k, m.Data[k], v)
		}
	}
	if got[1].Title != "照片审核通过通知" || got[1].Data["phrase2"] != "审核通过" {
		t.Fatalf("approval = %+v", got[1])
	}
}
