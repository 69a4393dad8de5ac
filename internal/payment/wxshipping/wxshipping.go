// Package wxshipping is WeChat's order shipping API (发货信息管理) for payment.Shipper,
// over silenceper/wechat/v2: is_trade_managed, and upload_shipping_info for this
// virtual service (logistics_type 3, unified delivery, right after payment).
package wxshipping

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/silenceper/wechat/v2/miniprogram"
	"github.com/silenceper/wechat/v2/miniprogram/order"
	"github.com/silenceper/wechat/v2/util"

	"github.com/gradphoto/gradphoto/internal/payment"
)

// The SDK's endpoints (miniprogram/order has no is_trade_managed, and its upload has no
// context, which the sandbox routing and cancellation need).
const (
	isTradeManagedURL = "https://api.weixin.qq.com/wxa/sec/order/is_trade_managed"
	uploadURL         = "https://api.weixin.qq.com/wxa/sec/order/upload_shipping_info"
)

// errcodeAlreadyShipped: 支付单已完成发货，无法继续发货.
const errcodeAlreadyShipped = 10060002

// Shipper implements payment.Shipper.
type Shipper struct {
	mp           *miniprogram.MiniProgram
	appID, mchID string
	hook         func(context.Context) context.Context
}

var _ payment.Shipper = (*Shipper)(nil)

// New builds the shipper for the mini-program appID and merchant mchID; hook, if not
// nil, decorates each call's context (the sandbox routing).
func New(mp *miniprogram.MiniProgram, appID, mchID string, hook func(context.Context) context.Context) *Shipper {
	return &Shipper{mp: mp, appID: appID, mchID: mchID, hook: hook}
}

func (s *Shipper) post(ctx context.Context, url string, body any) ([]byte, error) {
	if s.hook != nil {
		ctx = s.hook(ctx)
	}
	tok, err := s.mp.GetContext().GetAccessTokenContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("wxshipping: access token: %w", err)
	}
	return util.PostJSONContext(ctx, url+"?access_token="+tok, body)
}

// TradeManaged implements payment.Shipper.
func (s *Shipper) TradeManaged(ctx context.Context) (bool, error) {
	resp, err := s.post(ctx, isTradeManagedURL, map[string]string{"appid": s.appID})
	if err != nil {
		return false, fmt.Errorf("wxshipping: is_trade_managed: %w", err)
	}
	var out struct {
		util.CommonError
		IsTradeManaged bool `json:"is_trade_managed"`
	}
	if err := util.DecodeWithError(resp, &out, "IsTradeManaged"); err != nil {
		return false, fmt.Errorf("wxshipping: %w", err)
	}
	return out.IsTradeManaged, nil
}

// Upload implements payment.Shipper: the order by mchid + out_trade_no, virtual goods.
func (s *Shipper) Upload(ctx context.Context, info payment.ShippingInfo) error {
	at := info.UploadTime.In(time.FixedZone("CST", 8*3600)).Truncate(time.Second)
	req := &order.UploadShippingInfoRequest{
		OrderKey:      &order.ShippingOrderKey{OrderNumberType: order.NumberTypeOutTradeNo, Mchid: s.mchID, OutTradeNo: info.OutTradeNo},
		LogisticsType: order.LogisticsTypeVirtual,
		DeliveryMode:  order.DeliveryModeUnifiedDelivery,
		ShippingList:  []*order.ShippingInfo{{ItemDesc: info.ItemDesc}},
		UploadTime:    &at,
		Payer:         &order.ShippingPayer{Openid: info.OpenID},
	}
	resp, err := s.post(ctx, uploadURL, req)
	if err != nil {
		return fmt.Errorf("wxshipping: upload: %w", err)
	}
	if err := util.DecodeWithCommonError(resp, "UploadShippingInfo"); err != nil {
		var ce *util.CommonError
		if errors.As(err, &ce) && ce.ErrCode == errcodeAlreadyShipped {
			return fmt.Errorf("%w: %v", payment.ErrAlreadyShipped, err)
		}
		return fmt.Errorf("wxshipping: %w", err)
	}
	return nil
}
