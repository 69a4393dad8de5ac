// Package tencent sends SMS through Tencent Cloud SMS (API 3.0, action SendSms, version
// 2021-01-11), signing requests with TC3-HMAC-SHA256 as documented; no SDK needed.
package tencent

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gradphoto/gradphoto/internal/notify"
)

const (
	service     = "sms"
	action      = "SendSms"
	version     = "2021-01-11"
	contentType = "application/json; charset=utf-8"
)

// Config names the account, the signature and the templates.
type Config struct {
	Endpoint  string // host or URL; default https://sms.tencentcloudapi.com
	Region    string // default ap-guangzhou
	SecretID  string
	SecretKey string
	SdkAppID  string
	SignName  string
	// Templates maps notify template names to Tencent template ids.
	Templates map[string]string
}

// paramOrder lists, per template, the notify params in the order of the Tencent
// template's {1}, {2}... placeholders.
var paramOrder = map[string][]string{
	notify.TemplateReviewApproved: {notify.ParamSchool},
	notify.TemplateReviewRejected: {notify.ParamSchool, notify.ParamReasons},
	notify.TemplateReminder:       {notify.ParamSchool, notify.ParamStep},
	notify.TemplateCHSIFailed:     {notify.ParamReason},
	notify.TemplatePaymentAnomaly: {notify.ParamOrder, notify.ParamAction},
}

// Sender is a notify.Sender for the sms channel.
type Sender struct {
	cfg    Config
	url    string
	host   string
	client *http.Client
	now    func() time.Time
}

var _ notify.Sender = (*Sender)(nil)

// New checks cfg and builds a sender; client nil means a client with a 10 s timeout.
func New(cfg Config, client *http.Client, now func() time.Time) (*Sender, error) {
	if cfg.SecretID == "" || cfg.SecretKey == "" || cfg.SdkAppID == "" || cfg.SignName == "" {
		return nil, errors.New("tencent sms: secret id, secret key, sdk app id and sign name are required")
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = "sms.tencentcloudapi.com"
	}
	if !strings.Contains(cfg.Endpoint, "://") {
		cfg.Endpoint = "https://" + cfg.Endpoint
	}
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("tencent sms: endpoint %q is not a URL", cfg.Endpoint)
	}
	if cfg.Region == "" {
		cfg.Region = "ap-guangzhou"
	}
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	if now == nil {
		now = time.Now
	}
	return &Sender{cfg: cfg, url: u.String(), host: u.Host, client: client, now: now}, nil
}

type sendSmsRequest struct {
	PhoneNumberSet   []string `json:"PhoneNumberSet"`
	SmsSdkAppID      string   `json:"SmsSdkAppId"`
	SignName         string   `json:"SignName"`
	TemplateID       string   `json:"TemplateId"`
	TemplateParamSet []string `json:"TemplateParamSet"`
	SessionContext   string   `json:"SessionContext,omitempty"`
}

type sendSmsResponse struct {
	Response struct {
		Error *struct {
			Code    string `json:"Code"`
			Message string `json:"Message"`
		} `json:"Error"`
		SendStatusSet []struct {
			Code    string `json:"Code"`
			Message string `json:"Message"`
		} `json:"SendStatusSet"`
		RequestID string `json:"RequestId"`
	} `json:"Response"`
}

// Send sends one SMS. Errors Tencent documents as the caller's fault (bad number,
// template, signature) are permanent; the rest are retried by the outbox.
func (s *Sender) Send(ctx context.Context, m notify.Message) error {
	tmplID, ok := s.cfg.Templates[m.Template]
	if !ok || tmplID == "" {
		return notify.Permanent(fmt.Errorf("tencent sms: no template id for %q", m.Template))
	}
	params := make([]string, 0, len(paramOrder[m.Template]))
	for _, k := range paramOrder[m.Template] {
		params = append(params, m.Params[k])
	}
	body, err := json.Marshal(sendSmsRequest{
		PhoneNumberSet: []string{e164(m.Recipient)}, SmsSdkAppID: s.cfg.SdkAppID, SignName: s.cfg.SignName,
		TemplateID: tmplID, TemplateParamSet: params, SessionContext: m.IdempotencyKey,
	})
	if err != nil {
		return err
	}
	ts := s.now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Host = s.host
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", Authorization(s.cfg.SecretID, s.cfg.SecretKey, service, s.host, string(body), ts))
	req.Header.Set("X-TC-Action", action)
	req.Header.Set("X-TC-Version", version)
	req.Header.Set("X-TC-Region", s.cfg.Region)
	req.Header.Set("X-TC-Timestamp", strconv.FormatInt(ts.Unix(), 10))
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("tencent sms: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("tencent sms: read answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("tencent sms: http %d", resp.StatusCode)
	}
	var out sendSmsResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		return fmt.Errorf("tencent sms: decode answer: %w", err)
	}
	if e := out.Response.Error; e != nil {
		return classify(fmt.Errorf("tencent sms: %s: %s (request %s)", e.Code, e.Message, out.Response.RequestID), e.Code)
	}
	if len(out.Response.SendStatusSet) != 1 {
		return fmt.Errorf("tencent sms: %d send statuses for one number (request %s)", len(out.Response.SendStatusSet), out.Response.RequestID)
	}
	if st := out.Response.SendStatusSet[0]; !strings.EqualFold(st.Code, "Ok") {
		return classify(fmt.Errorf("tencent sms: %s: %s (request %s)", st.Code, st.Message, out.Response.RequestID), st.Code)
	}
	return nil
}

// classify marks as permanent the error codes that a retry cannot fix.
func classify(err error, code string) error {
	for _, p := range []string{"InvalidParameter", "UnsupportedOperation", "UnauthorizedOperation",
		"FailedOperation.PhoneNumberInBlacklist", "FailedOperation.TemplateIncorrectOrUnapproved",
		"FailedOperation.SignatureIncorrectOrUnapproved", "FailedOperation.MissingTemplateToModify",
		"LimitExceeded.PhoneNumberDailyLimit"} {
		if strings.HasPrefix(code, p) {
			return notify.Permanent(err)
		}
	}
	return err
}

// e164 adds China's country code to a bare 11-digit mobile number.
func e164(phone string) string {
	if strings.HasPrefix(phone, "+") {
		return phone
	}
	return "+86" + phone
}

// Authorization computes the TC3-HMAC-SHA256 Authorization header of a POST with a JSON
// payload to host, signing content-type and host, at ts.
func Authorization(secretID, secretKey, svc, host, payload string, ts time.Time) string {
	date := ts.UTC().Format("2006-01-02")
	canonicalRequest := strings.Join([]string{
		"POST", "/", "",
		"content-type:" + contentType + "\nhost:" + host + "\n",
		"content-type;host",
		sha256hex(payload),
	}, "\n")
	scope := date + "/" + svc + "/tc3_request"
	stringToSign := "TC3-HMAC-SHA256\n" + strconv.FormatInt(ts.Unix(), 10) + "\n" + scope + "\n" + sha256hex(canonicalRequest)
	key := hmacSHA256([]byte("TC3"+secretKey), date)
	key = hmacSHA256(key, svc)
	key = hmacSHA256(key, "tc3_request")
	sig := hex.EncodeToString(hmacSHA256(key, stringToSign))
	return "TC3-HMAC-SHA256 Credential=" + secretID + "/" + scope + ", SignedHeaders=content-type;host, Signature=" + sig
}

func sha256hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func hmacSHA256(key []byte, msg string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(msg))
	return h.Sum(nil)
}
