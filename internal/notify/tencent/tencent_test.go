package tencent

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gradphoto/gradphoto/internal/notify"
)

// TestAuthorizationPublishedVector uses the example of Tencent Cloud's "签名方法 v3"
// documentation (CVM DescribeInstances, 2019-02-25, masked secret key as printed there).
func TestAuthorizationPublishedVector(t *testing.T) {
	payload := `{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}`
	got := Authorization("AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******", "Gu5t9xGARNpq86cd98joQYCN3*******",
		"cvm", "cvm.tencentcloudapi.com", payload, time.Unix(1551113065, 0))
	want := "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******/2019-02-25/cvm/tc3_request, " +
		"SignedHeaders=content-type;host, Signature=2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c"
	if got != want {
		t.Fatalf("Authorization =\n%s\nwant\n%s", got, want)
	}
}

// fakeSMS is a local Tencent Cloud SMS endpoint that recomputes the TC3 signature from
// the request it received, written apart from the code under test.
type fakeSMS struct {
	secrets map[string]string // SecretId -> SecretKey
	now     time.Time
	answer  func(req map[string]any) (int, string) // status and body once the signature holds

	mu       sync.Mutex
	received []map[string]any
}

var authRE = regexp.MustCompile(`^TC3-HMAC-SHA256 Credential=([^/]+)/(\d{4}-\d{2}-\d{2})/([a-z]+)/tc3_request, SignedHeaders=([a-z;-]+), Signature=([0-9a-f]{64})$`)

func hm(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

func fail(w http.ResponseWriter, code, msg string) {
	fmt.Fprintf(w, `{"Response":{"Error":{"Code":%q,"Message":%q},"RequestId":"req-fail"}}`, code, msg)
}

func (f *fakeSMS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if r.Header.Get("X-TC-Action") != "SendSms" || r.Header.Get("X-TC-Version") != "2021-01-11" || r.Header.Get("X-TC-Region") == "" {
		fail(w, "InvalidAction", "bad action headers")
		return
	}
	m := authRE.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		fail(w, "AuthFailure.InvalidAuthorization", "malformed Authorization")
		return
	}
	id, date, svc, signed, sig := m[1], m[2], m[3], m[4], m[5]
	key, ok := f.secrets[id]
	if !ok {
		fail(w, "AuthFailure.SecretIdNotFound", "unknown secret id")
		return
	}
	ts, err := strconv.ParseInt(r.Header.Get("X-TC-Timestamp"), 10, 64)
	if err != nil || f.now.Sub(time.Unix(ts, 0)).Abs() > 5*time.Minute {
		fail(w, "AuthFailure.SignatureExpire", "timestamp")
		return
	}
	if svc != "sms" || signed != "content-type;host" || time.Unix(ts, 0).UTC().Format("2006-01-02") != date {
		fail(w, "AuthFailure.InvalidAuthorization", "scope")
		return
	}
	bodyHash := sha256.Sum256(body)
	canon := fmt.Sprintf("POST\n/\n\ncontent-type:%s\nhost:%s\n\ncontent-type;host\n%s",
		r.Header.Get("Content-Type"), r.Host, hex.EncodeToString(bodyHash[:]))
	canonHash := sha256.Sum256([]byte(canon))
	toSign := fmt.Sprintf("TC3-HMAC-SHA256\n%d\n%s/sms/tc3_request\n%s", ts, date, hex.EncodeToString(canonHash[:]))
	k := hm(hm(hm([]byte("TC3"+key), date), "sms"), "tc3_request")
	if !hmac.Equal([]byte(hex.EncodeToString(hm(k, toSign))), []byte(sig)) {
		fail(w, "AuthFailure.SignatureFailure", "signature mismatch")
		return
	}
	var req map[string]any
	if err := json.Unmarshal(body, &req); err != nil {
		fail(w, "InvalidParameter", "json")
		return
	}
	f.mu.Lock()
	f.received = append(f.received, req)
	f.mu.Unlock()
	status, answer := f.answer(req)
	w.WriteHeader(status)
	io.WriteString(w, answer)
}

func okAnswer(map[string]any) (int, string) {
	return 200, `{"Response":{"SendStatusSet":[{"SerialNo":"5000:1","PhoneNumber":"+8613800001234","Fee":1,"Code":"Ok","Message":"send success","IsoCode":"CN"}],"RequestId":"req-1"}}`
}

func TestSend(t *testing.T) {
	now := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	msg := notify.Message{IdempotencyKey: "review:7:sms", Channel: notify.ChannelSMS, Recipient: "13800001234",
		Template: notify.TemplateReviewRejected, Params: map[string]string{notify.ParamSchool: "中国石油大学", notify.ParamReasons: "头发遮挡眉毛"}}
	tests := []struct {
		name      string
		secret    string
		msg       notify.Message
		answer    func(map[string]any) (int, string)
		wantErr   string // "" success
		permanent bool
	}{
		{name: "signed request accepted", secret: "right-key", msg: msg, answer: okAnswer},
		{name: "wrong key fails the signature", secret: "wrong-key", msg: msg, answer: okAnswer, wantErr: "AuthFailure.SignatureFailure"},
		{name: "bad number is permanent", secret: "right-key", msg: msg, permanent: true, wantErr: "IncorrectPhoneNumber",
			answer: func(map[string]any) (int, string) {
				return 200, `{"Response":{"SendStatusSet":[{"Code":"InvalidParameterValue.IncorrectPhoneNumber","Message":"bad"}],"RequestId":"r"}}`
			}},
		{name: "server error is retried", secret: "right-key", msg: msg, wantErr: "http 502",
			answer: func(map[string]any) (int, string) { return 502, "bad gateway" }},
		{name: "rate limit is retried", secret: "right-key", msg: msg, wantErr: "RequestLimitExceeded",
			answer: func(map[string]any) (int, string) {
				return 200, `{"Response":{"Error":{"Code":"RequestLimitExceeded","Message":"slow down"},"RequestId":"r"}}`
			}},
		{name: "unknown template is permanent", secret: "right-key", answer: okAnswer, permanent: true, wantErr: "no template id",
			msg: notify.Message{IdempotencyKey: "k", Recipient: "13800001234", Template: "other"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := &fakeSMS{secrets: map[string]string{"AKIDtest": "right-key"}, now: now, answer: tc.answer}
			srv := httptest.NewServer(fake)
			defer srv.Close()
			s, err := New(Config{Endpoint: srv.URL, SecretID: "AKIDtest", SecretKey: tc.secret, SdkAppID: "1400000001",
				SignName: "毕业照片采集", Templates: map[string]string{notify.TemplateReviewApproved: "100001", notify.TemplateReviewRejected: "100002"}},
				srv.Client(), func() time.Time { return now })
			if err != nil {
				t.Fatal(err)
			}
			err = s.Send(context.Background(), tc.msg)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				got := fake.received[0]
				b, _ := json.Marshal(got)
				want := `{"PhoneNumberSet":["+8613800001234"],"SessionContext":"review:7:sms","SignName":"毕业照片采集","SmsSdkAppId":"1400000001","TemplateId":"100002","TemplateParamSet":["中国石油大学","头发遮挡眉毛"]}`
				if string(b) != want {
					t.Fatalf("request =\n%s\nwant\n%s", b, want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want %q", err, tc.wantErr)
			}
			if notify.IsPermanent(err) != tc.permanent {
				t.Fatalf("permanent = %v, want %v", notify.IsPermanent(err), tc.permanent)
			}
		})
	}
}

func TestNewRejectsIncompleteConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no secret", Config{SecretID: "id", SdkAppID: "1", SignName: "s"}},
		{"no sign", Config{SecretID: "id", SecretKey: "k", SdkAppID: "1"}},
		{"bad endpoint", Config{SecretID: "id", SecretKey: "k", SdkAppID: "1", SignName: "s", Endpoint: "http://"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.cfg, nil, nil); err == nil {
				t.Fatal("New accepted an incomplete config")
			}
		})
	}
}
