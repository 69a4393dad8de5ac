// Package wxsubscribe sends review results as WeChat mini-program subscribe messages
// through silenceper/wechat/v2, the second channel beside SMS for students who granted it.
package wxsubscribe

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/silenceper/wechat/v2/miniprogram"
	"github.com/silenceper/wechat/v2/miniprogram/subscribe"
	"github.com/silenceper/wechat/v2/util"

	"github.com/gradphoto/gradphoto/internal/notify"
)

// sendURL is the SDK's subscribe-send endpoint (miniprogram/subscribe.subscribeSendURL).
const sendURL = "https://api.weixin.qq.com/cgi-bin/message/subscribe/send"

// Page is where a tap on a review-result message leads (it must be a page of the
// released mini-program's app.json, or WeChat answers 41030); ?id=<collection> is appended.
const Page = "pages/review/review"

// Config names the templates and the mini-program version messages open.
//
// One template per result, with distinct titles and keywords (WeChat filters templates
// that look alike); the ids must be of templates with these keywords:
//
//	approved 照片审核通过通知:   thing1 采集学校, phrase2 审核结果, time3 审核时间, thing4 温馨提示
//	rejected 照片审核未通过通知: thing1 采集学校, thing2 未通过原因, time3 审核时间, thing4 处理建议
type Config struct {
	TemplateApproved string
	TemplateRejected string
	State            string // miniprogram_state: developer | trial | formal (default formal)
}

// Sender is a notify.Sender for the subscribe channel.
type Sender struct {
	mp   *miniprogram.MiniProgram
	cfg  Config
	hook func(context.Context) context.Context
}

var _ notify.Sender = (*Sender)(nil)

// New builds a sender over mp. hook, if not nil, decorates each call's context (the app
// uses it to route the package-level SDK client to the right sandbox).
func New(mp *miniprogram.MiniProgram, cfg Config, hook func(context.Context) context.Context) *Sender {
	return &Sender{mp: mp, cfg: cfg, hook: hook}
}

// TemplateID returns the configured template id of a notify template ("" if none).
func (c Config) TemplateID(template string) string {
	switch template {
	case notify.TemplateReviewApproved:
		return c.TemplateApproved
	case notify.TemplateReviewRejected:
		return c.TemplateRejected
	}
	return ""
}

// Message builds the SDK message for m (exported for the sandbox and tests). Values
// are clipped to WeChat's limits: thing ≤ 20 characters, phrase ≤ 5 Chinese characters;
// the time is notify.TimeLayout, WeChat's documented 2019年10月1日 15:01.
func (s *Sender) Message(m notify.Message) (*subscribe.Message, error) {
	tmpl := s.cfg.TemplateID(m.Template)
	if tmpl == "" {
		return nil, notify.Permanent(fmt.Errorf("wxsubscribe: no template id for %q", m.Template))
	}
	data := map[string]*subscribe.DataItem{
		"thing1": {Value: clip(m.Params[notify.ParamSchool], 20)},
		"time3":  {Value: m.Params[notify.ParamTime]},
	}
	if m.Template == notify.TemplateReviewApproved {
		data["phrase2"] = &subscribe.DataItem{Value: "审核通过"}
		data["thing4"] = &subscribe.DataItem{Value: "照片已通过，可在小程序中查看"}
	} else {
		reasons := m.Params[notify.ParamReasons]
		if reasons == "" {
			reasons = "照片不符合要求"
		}
		data["thing2"] = &subscribe.DataItem{Value: clip(reasons, 20)}
		data["thing4"] = &subscribe.DataItem{Value: "请重新上传照片，无需再付费"}
	}
	page := Page
	if m.CollectionID != "" {
		page += "?id=" + m.CollectionID
	}
	return &subscribe.Message{
		ToUser: m.Recipient, TemplateID: tmpl, Page: page, MiniprogramState: s.cfg.State, Lang: "zh_CN", Data: data,
	}, nil
}

// Send posts the message as subscribe.Subscribe.Send does, but with ctx: Send has no
// context, so neither cancellation nor the sandbox routing hook would reach the request.
func (s *Sender) Send(ctx context.Context, m notify.Message) error {
	msg, err := s.Message(m)
	if err != nil {
		return err
	}
	if s.hook != nil {
		ctx = s.hook(ctx)
	}
	sub := s.mp.GetSubscribe()
	tok, err := sub.GetAccessTokenContext(ctx)
	if err != nil {
		return fmt.Errorf("wxsubscribe: access token: %w", err)
	}
	resp, err := util.PostJSONContext(ctx, sendURL+"?access_token="+tok, msg)
	if err != nil {
		return fmt.Errorf("wxsubscribe: %w", err)
	}
	if err := util.DecodeWithCommonError(resp, "Send"); err != nil {
		return classify(err)
	}
	return nil
}

// classify marks the refusals a retry cannot fix: no subscription left (43101), bad
// openid (40003), bad template or data (40037, 47003).
func classify(err error) error {
	var ce *util.CommonError
	if errors.As(err, &ce) {
		switch ce.ErrCode {
		case 43101, 40003, 40037, 47003:
			return notify.Permanent(err)
		}
	}
	return err
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
