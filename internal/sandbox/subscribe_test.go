package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
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

// sendBody is a subscribe send of the demo rejection template.
func sendBody(touser, page string, data map[string]string) string {
	d := map[string]any{}
	for k, v := range data {
		d[k] = map[string]string{"value": v}
	}
	b, _ := json.Marshal(map[string]any{"touser": touser, "template_id": DemoTemplateRejected, "page": page,
		"miniprogram_state": "formal", "lang": "zh_CN", "data": d})
	return string(b)
}

func rejectionData() map[string]string {
	return map[string]string{"thing1": "中国石油大学（华东）", "thing2": "头发遮挡眉毛", "time3": "2026年6月1日 16:00", "thing4": "请重新上传照片，无需再付费"}
}

// TestSubscribeSend: WeChat's refusals — an unknown template, a page the mini-program
// does not have (41030), data out of its keyword's format (47003), and a second send on
// one acceptance (43101) — each answered with WeChat's errcode.
func TestSubscribeSend(t *testing.T) {
	gin.SetMode(gin.TestMode)
	r := gin.New()
	s := NewSubscribe(staticTokens{"tok": true}, nil)
	s.Mount(r.Group("/sandbox"))
	const page = "pages/review/review?id=c_1"
	with := func(k, v string) map[string]string {
		d := rejectionData()
		if v == "" {
			delete(d, k)
		} else {
			d[k] = v
		}
		return d
	}
	code, out := do(t, r, http.MethodPost, "/sandbox/wx/subscribe", `{"openid":"sandbox-u1","tmplIds":["`+DemoTemplateRejected+`"]}`)
	if code != 200 || out[DemoTemplateRejected] != "accept" {
		t.Fatalf("requestSubscribeMessage: %d %v", code, out)
	}
	tests := []struct {
		name    string
		token   string
		body    string
		errcode float64
	}{
		{"unknown token", "other", sendBody("sandbox-u1", page, rejectionData()), 40001},
		{"unknown template", "tok", strings.Replace(sendBody("sandbox-u1", page, rejectionData()), DemoTemplateRejected, "tmpl-x", 1), 40037},
		{"page not in app.json", "tok", sendBody("sandbox-u1", "pages/status/status?id=c_1", rejectionData()), 41030},
		{"no data", "tok", `{"touser":"sandbox-u1","template_id":"` + DemoTemplateRejected + `"}`, 47001},
		{"missing keyword", "tok", sendBody("sandbox-u1", page, with("thing2", "")), 47003},
		{"thing over 20", "tok", sendBody("sandbox-u1", page, with("thing1", "中国石油大学（华东）继续教育学院函授站点二部")), 47003},
		{"time not in WeChat's format", "tok", sendBody("sandbox-u1", page, with("time3", "2026-06-01 16:00")), 47003},
		{"accepted: delivered", "tok", sendBody("sandbox-u1", page, rejectionData()), 0},
		{"second send on one acceptance", "tok", sendBody("sandbox-u1", page, rejectionData()), 43101},
		{"never accepted", "tok", sendBody("sandbox-u2", page, rejectionData()), 43101},
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
	if len(msgs) != 1 || msgs[0].ToUser != "sandbox-u1" || msgs[0].Title != "照片审核未通过通知" || msgs[0].Data["time3"] != "2026年6月1日 16:00" {
		t.Fatalf("recorded %+v", msgs)
	}
	if _, out := do(t, r, http.MethodGet, "/sandbox/subscribe/messages", ""); len(out["messages"].([]any)) != 1 {
		t.Fatalf("GET /subscribe/messages = %v", out)
	}
	// Accepting again allows one more send.
	if err := s.Accept("sandbox-u1", DemoTemplateRejected); err != nil {
		t.Fatal(err)
	}
	if _, out := do(t, r, http.MethodPost, "/sandbox/cgi-bin/message/subscribe/send?access_token=tok", sendBody("sandbox-u1", page, rejectionData())); out["errcode"] != 0.0 {
		t.Fatalf("send after a new acceptance: %v", out)
	}
	if err := s.Accept("sandbox-u1", "tmpl-unknown"); err == nil {
		t.Fatal("accepting an unknown template succeeded")
	}
}

func TestValidValue(t *testing.T) {
	tests := []struct {
		key, value string
		ok         bool
	}{
		{"time4", "15:01", true},
		{"time4", "2019年10月1日 15:01", true},
		{"time4", "2019-10-01 15:01", false},
		{"time4", "25:00", false},
		{"date2", "2019年10月1日", true},
		{"date2", "2019年10月1日 15:01", true},
		{"date2", "2019/10/01", false},
		{"phrase2", "审核成功", true},
		{"phrase2", "审核结果已出来", false},
		{"phrase2", "OK", false},
		{"thing1", strings.Repeat("字", 20), true},
		{"thing1", strings.Repeat("字", 21), false},
		{"thing1", "", false},
		{"character_string1", "P260601abc", true},
		{"character_string1", "订单", false},
		{"number1", "20.00", true},
		{"name1", "张三", true},
	}
	for _, tc := range tests {
		if got := validValue(tc.key, tc.value); got != tc.ok {
			t.Errorf("validValue(%s, %q) = %v, want %v", tc.key, tc.value, got, tc.ok)
		}
	}
}

// TestEmbeddedAppJSON: the sandbox's copy of miniprogram/app.json is the mini-program's.
func TestEmbeddedAppJSON(t *testing.T) {
	real, err := os.ReadFile("../../miniprogram/app.json")
	if err != nil {
		t.Fatal(err)
	}
	want, err := AppPages(real)
	if err != nil {
		t.Fatal(err)
	}
	if got := EmbeddedPages(); !reflect.DeepEqual(got, want) {
		t.Fatalf("internal/sandbox/miniprogram_app.json lists %v, miniprogram/app.json %v: copy it again", got, want)
	}
	if !bytes.Equal(bytes.TrimSpace(real), bytes.TrimSpace(embeddedAppJSON)) {
		t.Fatal("internal/sandbox/miniprogram_app.json differs from miniprogram/app.json: cp miniprogram/app.json internal/sandbox/miniprogram_app.json")
	}
	pages, err := AppPages([]byte(`{"pages":["pages/a/a"],"subPackages":[{"root":"pkg/","pages":["b/b"]}]}`))
	if err != nil || !reflect.DeepEqual(pages, []string{"pages/a/a", "pkg/b/b"}) {
		t.Fatalf("subpackages: %v %v", pages, err)
	}
}

type fakeLister struct {
	recs []SentSMS
	err  error
}

func (f fakeLister) RecentSMS(_ context.Context, limit int) ([]SentSMS, error) {
	if len(f.recs) > limit {
		return f.recs[:limit], f.err
	}
	return f.recs, f.err
}

func TestSMSList(t *testing.T) {
	gin.SetMode(gin.TestMode)
	sent := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	recs := []SentSMS{
		{ID: 2, Phone: "13800002222", Template: "review_approved", Text: "审核成功", SentAt: &sent},
		{ID: 1, Phone: "13800001111", Template: "review_rejected", Text: "审核失败（原因：头发遮挡眉毛）", SentAt: &sent},
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
