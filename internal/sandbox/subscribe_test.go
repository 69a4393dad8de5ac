package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gradphoto/gradphoto/internal/notify"
)

type staticTokens map[string]bool

func (s staticTokens) ValidToken(tok string) bool { return s[tok] }

func do(t *testing.T, h http.Handler, method, target, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	var out map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s %s: %v: %s", method, target, err, w.Body.String())
	}
	return w.Code, out
}

func TestSubscribeSend(t *testing.T) {
	gin.SetMode(gin.TestMode)
	r := gin.New()
	s := NewSubscribe(staticTokens{"tok": true})
	s.Mount(r.Group("/sandbox"))
	const okBody = `{"touser":"sandbox-u1","template_id":"t1","page":"p","data":{"thing1":{"value":"中国石油大学"},"phrase2":{"value":"审核成功"}}}`
	tests := []struct {
		name    string
		token   string
		body    string
		errcode float64
	}{
		{"accepted", "tok", okBody, 0},
		{"unknown token", "other", okBody, 40001},
		{"no data", "tok", `{"touser":"sandbox-u1","template_id":"t1"}`, 47001},
		{"phrase too long", "tok", `{"touser":"sandbox-u1","template_id":"t1","data":{"phrase2":{"value":"审核结果已出来了"}}}`, 47003},
		{"not subscribed", "tok", strings.Replace(okBody, "sandbox-u1", "sandbox-nosub-1", 1), 43101},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out := do(t, r, http.MethodPost, "/sandbox/cgi-bin/message/subscribe/send?access_token="+tc.token, tc.body)
			if code != http.StatusOK || out["errcode"] != tc.errcode {
				t.Fatalf("answer %d %v, want errcode %v", code, out, tc.errcode)
			}
		})
	}
	msgs := s.Messages()
	if len(msgs) != 1 || msgs[0].ToUser != "sandbox-u1" || msgs[0].Data["phrase2"] != "审核成功" {
		t.Fatalf("recorded %+v", msgs)
	}
	_, out := do(t, r, http.MethodGet, "/sandbox/subscribe/messages", "")
	if list, _ := out["messages"].([]any); len(list) != 1 {
		t.Fatalf("GET /subscribe/messages = %v", out)
	}
}

type fakeLister struct {
	recs []notify.Record
	err  error
}

func (f fakeLister) RecentSMS(_ context.Context, limit int) ([]notify.Record, error) {
	if len(f.recs) > limit {
		return f.recs[:limit], f.err
	}
	return f.recs, f.err
}

func TestSMSList(t *testing.T) {
	gin.SetMode(gin.TestMode)
	sent := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	recs := []notify.Record{
		{ID: 2, Recipient: "13800002222", Template: notify.TemplateReviewApproved, Text: "审核成功", SentAt: &sent},
		{ID: 1, Recipient: "13800001111", Template: notify.TemplateReviewRejected, Text: "审核失败（原因：头发遮挡眉毛）", SentAt: &sent},
	}
	tests := []struct {
		name    string
		lister  fakeLister
		target  string
		status  int
		wantIDs []float64
	}{
		{"all", fakeLister{recs: recs}, "/sandbox/sms", 200, []float64{2, 1}},
		{"by phone", fakeLister{recs: recs}, "/sandbox/sms?phone=13800001111", 200, []float64{1}},
		{"limit", fakeLister{recs: recs}, "/sandbox/sms?limit=1", 200, []float64{2}},
		{"store down", fakeLister{err: errors.New("db down")}, "/sandbox/sms", 503, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := gin.New()
			NewSMS(tc.lister).Mount(r.Group("/sandbox"))
			code, out := do(t, r, http.MethodGet, tc.target, "")
			if code != tc.status {
				t.Fatalf("status %d, want %d: %v", code, tc.status, out)
			}
			if tc.status != 200 {
				return
			}
			list, _ := out["messages"].([]any)
			var ids []float64
			for _, m := range list {
				ids = append(ids, m.(map[string]any)["id"].(float64))
			}
			if len(ids) != len(tc.wantIDs) || (len(ids) > 0 && ids[0] != tc.wantIDs[0]) {
				t.Fatalf("ids %v, want %v", ids, tc.wantIDs)
			}
		})
	}
}
