package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/silenceper/wechat/v2"
	"github.com/silenceper/wechat/v2/cache"
	"github.com/silenceper/wechat/v2/miniprogram"
	miniConfig "github.com/silenceper/wechat/v2/miniprogram/config"
	"github.com/silenceper/wechat/v2/util"
)

// MiniProgram is the WeChat implementation over silenceper/wechat/v2. The SDK's HTTP
// client is package-level (util.DefaultHTTPClient): the app sets it once, to the
// sandbox-rewriting client in dev mode.
type MiniProgram struct {
	mp *miniprogram.MiniProgram
	// ContextHook decorates every call's context (the app uses it to tell the
	// sandbox-rewriting transport which sandbox to reach).
	ContextHook func(context.Context) context.Context
}

func (m *MiniProgram) ctx(ctx context.Context) context.Context {
	if m.ContextHook != nil {
		return m.ContextHook(ctx)
	}
	return ctx
}

var _ WeChat = (*MiniProgram)(nil)

// NewMiniProgram builds the client with the stable access token (getStableAccessToken):
// every instance gets the same token while it is valid, instead of each fetching its
// own and invalidating the others' (GET /cgi-bin/token does that); cached in memory.
func NewMiniProgram(appID, appSecret string) *MiniProgram {
	wc := wechat.NewWechat()
	mp := wc.GetMiniProgram(&miniConfig.Config{AppID: appID, AppSecret: appSecret, Cache: cache.NewMemory(), UseStableAK: true})
	return &MiniProgram{mp: mp}
}

// SDK exposes the underlying client (subscribe messages use it).
func (m *MiniProgram) SDK() *miniprogram.MiniProgram { return m.mp }

func (m *MiniProgram) Code2Session(ctx context.Context, code string) (string, string, error) {
	res, err := m.mp.GetAuth().Code2SessionContext(m.ctx(ctx), code)
	if err != nil {
		if isWeChatRefusal(err) {
			return "", "", fmt.Errorf("%w: %v", ErrInvalidCode, err)
		}
		return "", "", err
	}
	if res.OpenID == "" {
		return "", "", fmt.Errorf("%w: empty openid", ErrInvalidCode)
	}
	// res.SessionKey is deliberately dropped: nothing here needs it and it must not leak.
	return res.OpenID, res.UnionID, nil
}

func (m *MiniProgram) PhoneNumber(ctx context.Context, code string) (string, error) {
	res, err := m.mp.GetAuth().GetPhoneNumberContext(m.ctx(ctx), code)
	if err != nil {
		if isWeChatRefusal(err) {
			return "", fmt.Errorf("%w: %v", ErrInvalidCode, err)
		}
		return "", err
	}
	if res.PhoneInfo.PurePhoneNumber == "" {
		return "", fmt.Errorf("%w: no phone number", ErrInvalidCode)
	}
	return res.PhoneInfo.PurePhoneNumber, nil
}

// isWeChatRefusal tells an errcode answer (the code was bad) from a transport failure.
func isWeChatRefusal(err error) bool {
	var ce *util.CommonError
	return errors.As(err, &ce) || strings.HasPrefix(err.Error(), "Code2Session error")
}
