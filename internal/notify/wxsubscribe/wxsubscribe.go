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

// Config names the templates and where a tap on the message leads.
//
// Both templates (approved and rejected) are expected to have the keywords
// thing1 学校, phrase2 审核结果, thing3 备注, time4 审核时间.
type Config struct {
	TemplateApproved string
	TemplateRejected string
	Page             string // mini-program page, e.g. pages/status/status; ?id=<collection> is appended
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

// Message builds the SDK message for m (exported for the sandbox and tests).
func (s *Sender) Message(m notify.Message) (*subscribe.Message, error) {
	var tmpl, result, remark string
	switch m.Template {
	case notify.TemplateReviewApproved:
		tmpl, result, remark = s.cfg.TemplateApproved, "审核成功", "可在小程序中查看照片"
	case notify.TemplateReviewRejected:
		tmpl, result, remark = s.cfg.TemplateRejected, "审核失败", m.Params[notify.ParamReasons]
	}
	if tmpl == "" {
		return nil, notify.Permanent(fmt.Errorf("wxsubscribe: no template id for %q", m.Template))
	}
	page := s.cfg.Page
	if page != "" && m.CollectionID != "" {
		page += "?id=" + m.CollectionID
	}
	return &subscribe.Message{
		ToUser: m.Recipient, TemplateID: tmpl, Page: page, MiniprogramState: s.cfg.State, Lang: "zh_CN",
		Data: map[string]*subscribe.DataItem{
			// WeChat refuses thing values over 20 characters and phrase values over 5.
			"thing1":  {Value: clip(m.Params[notify.ParamSchool], 20)},
			"phrase2": {Value: result},
			"thing3":  {Value: clip(remark, 20)},
			"time4":   {Value: m.Params[notify.ParamTime]},
		},
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
