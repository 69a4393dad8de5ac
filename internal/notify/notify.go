// Package notify owns the outbox of student notifications (SMS and WeChat subscribe
// messages): messages are written in the caller's transaction, then a worker sends them
// through a Sender with leases, retries and exponential backoff, keeping a status
// history per message for support's timeline.
package notify

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Channels a message can go out on.
const (
	ChannelSMS       = "sms"
	ChannelSubscribe = "subscribe"
)

// Templates are logical names; each provider maps them to its own template ids.
const (
	TemplateReviewApproved = "review_approved"
	TemplateReviewRejected = "review_rejected"
	// TemplateReminder asks a student to go on with their collection (school reminders);
	// ParamStep says what is missing.
	TemplateReminder   = "reminder"
	TemplateCHSIFailed = "chsi_failed" // 学信网's comparison refused the delivered photo
	// TemplatePaymentAnomaly goes to support (support.alert_phone), not to a student.
	TemplatePaymentAnomaly = "payment_anomaly"
)

// Parameter names used by the templates.
const (
	ParamSchool  = "school"
	ParamReasons = "reasons"
	ParamReason  = "reason" // 学信网's reason
	ParamTime    = "time"   // when the result was decided, China time, in TimeLayout
	ParamStep    = "step"   // what a reminded student still has to do
	ParamOrder   = "out_trade_no"
	ParamAction  = "action" // what happens to the money: 已自动退款 | 请人工处理
)

// TimeLayout is how times are written for students: WeChat's documented subscribe
// message time format (2019年10月1日 15:01), read as well in an SMS.
const TimeLayout = "2006年1月2日 15:04"

// Message is one notification to send.
type Message struct {
	// IdempotencyKey identifies the message: a second Enqueue with the same key is a no-op.
	IdempotencyKey string
	Channel        string // ChannelSMS | ChannelSubscribe
	Recipient      string // phone number (sms) or openid (subscribe)
	Template       string
	Params         map[string]string
	CollectionID   string
}

// Sender delivers one message through a provider. A returned error means "not
// delivered"; wrap it with Permanent when retrying cannot help.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Message statuses.
const (
	StatusPending = "pending" // waiting for (another) attempt
	StatusSending = "sending" // leased by a worker
	StatusSent    = "sent"
	StatusFailed  = "failed" // gave up: attempts exhausted or a permanent error
)

// Record is a message as support sees it: its state and its history.
type Record struct {
	ID              int64
	IdempotencyKey  string
	Channel         string
	Recipient       string // raw phone/openid: for the sandbox only, never shown to staff
	RecipientMasked string
	Template        string
	Params          map[string]string
	Text            string
	CollectionID    string
	Status          string
	Attempts        int
	LastError       string
	NextAttemptAt   time.Time
	SentAt          *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
	History         []Event
}

// Event is one step of a message's history.
type Event struct {
	Attempt int
	Status  string // queued | sending | retry | sent | failed | lease_expired
	Error   string
	At      time.Time
}

// PermanentError marks a provider failure that retrying cannot fix (bad number, refused template).
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return "permanent: " + e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent wraps err so that the outbox gives up at once.
func Permanent(err error) error { return &PermanentError{Err: err} }

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// Render returns the Chinese text of an SMS for template and params; the log provider
// prints it and the outbox keeps it, so support sees what the student read.
func Render(template string, params map[string]string) string {
	school := params[ParamSchool]
	switch template {
	case TemplateReviewApproved:
		return "【毕业照片采集】您提交的" + school + "学信网图像采集照片审核成功，可在小程序中查看照片。"
	case TemplateReviewRejected:
		return "【毕业照片采集】您提交的" + school + "学信网图像采集照片审核失败（原因：" + params[ParamReasons] +
			"），请在小程序中重新上传照片，无需再次付费。"
	case TemplateReminder:
		return "【毕业照片采集】" + school + "提醒您：" + params[ParamStep] + "，请在微信小程序中完成学信网图像采集。"
	case TemplateCHSIFailed:
		return "【毕业照片采集】学信网比对未通过：" + params[ParamReason] + "，请登录小程序重新上传照片，无需再次付费。"
	case TemplatePaymentAnomaly:
		return "【毕业照片采集】支付异常：订单" + params[ParamOrder] + "，" + params[ParamAction] + "，详见管理后台审计记录。"
	default:
		return template
	}
}

// MaskPhone keeps the first three and last four digits: 138****0000.
func MaskPhone(p string) string {
	if len(p) < 7 {
		return strings.Repeat("*", len(p))
	}
	return p[:3] + strings.Repeat("*", len(p)-7) + p[len(p)-4:]
}

// MaskRecipient masks a phone number or an openid for logs and support views.
func MaskRecipient(channel, r string) string {
	if channel == ChannelSMS {
		return MaskPhone(r)
	}
	if len(r) <= 6 {
		return strings.Repeat("*", len(r))
	}
	return r[:3] + "***" + r[len(r)-3:]
}

var secretInURL = regexp.MustCompile(`(access_token|secret|appsecret)=[^&\s"]+`)

// cleanError makes a provider error fit for storage and logs: SDK errors quote whole
// URLs, access_token included.
func cleanError(err error) string {
	s := secretInURL.ReplaceAllString(err.Error(), "$1=***")
	const maxLen = 500
	if len(s) > maxLen {
		s = s[:maxLen]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	return s
}
