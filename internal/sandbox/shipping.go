package sandbox

import (
	"net/http"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// PaidLookup tells the shipping emulation about WeChat Pay's transactions (PayServer).
type PaidLookup interface {
	// Paid returns the payer of a paid transaction, by out_trade_no (with its mchid)
	// or by transaction_id.
	Paid(mchID, outTradeNo, transactionID string) (payer string, ok bool)
}

// ShippingUpload is one accepted upload_shipping_info call.
type ShippingUpload struct {
	OutTradeNo    string    `json:"out_trade_no,omitempty"`
	TransactionID string    `json:"transaction_id,omitempty"`
	LogisticsType int       `json:"logistics_type"`
	ItemDesc      string    `json:"item_desc"`
	Payer         string    `json:"payer"`
	UploadTime    time.Time `json:"upload_time"`
}

// Shipping emulates 发货信息管理 (order shipping info): POST /wxa/sec/order/is_trade_managed
// and /wxa/sec/order/upload_shipping_info, for a merchant that is (or is not) enrolled.
// GET /shipping/uploads lists what was uploaded (dev aid).
type Shipping struct {
	mini    *MiniProgram
	paid    PaidLookup
	managed bool
	mu      sync.Mutex
	uploads map[string]ShippingUpload // by order key
}

// NewShipping answers is_trade_managed with managed; paid knows the payments.
func NewShipping(mini *MiniProgram, paid PaidLookup, managed bool) *Shipping {
	return &Shipping{mini: mini, paid: paid, managed: managed, uploads: map[string]ShippingUpload{}}
}

// Mount adds the routes to the /sandbox group.
func (s *Shipping) Mount(r gin.IRouter) {
	r.POST("/wxa/sec/order/is_trade_managed", s.isTradeManaged)
	r.POST("/wxa/sec/order/upload_shipping_info", s.upload)
	r.GET("/shipping/uploads", s.list)
}

// Uploads returns what was uploaded.
func (s *Shipping) Uploads() []ShippingUpload {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ShippingUpload, 0, len(s.uploads))
	for _, u := range s.uploads {
		out = append(out, u)
	}
	return out
}

func (s *Shipping) isTradeManaged(c *gin.Context) {
	if !s.mini.ValidToken(c.Query("access_token")) {
		wxError(c, 40001, "invalid credential, access_token is invalid or not latest")
		return
	}
	var req struct {
		AppID string `json:"appid"`
	}
	if c.ShouldBindJSON(&req) != nil || req.AppID != s.mini.AppID() {
		wxError(c, 40013, "invalid appid")
		return
	}
	c.JSON(http.StatusOK, gin.H{"errcode": 0, "errmsg": "ok", "is_trade_managed": s.managed})
}

func (s *Shipping) upload(c *gin.Context) {
	if !s.mini.ValidToken(c.Query("access_token")) {
		wxError(c, 40001, "invalid credential, access_token is invalid or not latest")
		return
	}
	var req struct {
		OrderKey *struct {
			OrderNumberType int    `json:"order_number_type"`
			TransactionID   string `json:"transaction_id"`
			MchID           string `json:"mchid"`
			OutTradeNo      string `json:"out_trade_no"`
		} `json:"order_key"`
		LogisticsType int `json:"logistics_type"`
		DeliveryMode  int `json:"delivery_mode"`
		ShippingList  []struct {
			TrackingNo     string `json:"tracking_no"`
			ExpressCompany string `json:"express_company"`
			ItemDesc       string `json:"item_desc"`
		} `json:"shipping_list"`
		UploadTime string `json:"upload_time"`
		Payer      *struct {
			OpenID string `json:"openid"`
		} `json:"payer"`
	}
	if c.ShouldBindJSON(&req) != nil {
		wxError(c, 47001, "data format error")
		return
	}
	uploadTime, terr := time.Parse(time.RFC3339, req.UploadTime)
	switch {
	case !s.managed:
		wxError(c, 10060001, "trade not managed: this merchant has no 发货信息管理 (order shipping) service")
		return
	case req.OrderKey == nil || req.Payer == nil || req.Payer.OpenID == "" || terr != nil:
		wxError(c, 47003, "argument invalid! order_key, payer.openid and an RFC 3339 upload_time are required")
		return
	case req.LogisticsType < 1 || req.LogisticsType > 4 || (req.DeliveryMode != 1 && req.DeliveryMode != 2):
		wxError(c, 47003, "argument invalid! logistics_type is 1..4, delivery_mode 1 or 2")
		return
	case len(req.ShippingList) == 0 || req.ShippingList[0].ItemDesc == "" || utf8.RuneCountInString(req.ShippingList[0].ItemDesc) > 120:
		wxError(c, 47003, "argument invalid! shipping_list[].item_desc is required, at most 120 characters")
		return
	case req.LogisticsType == 1 && (req.ShippingList[0].TrackingNo == "" || req.ShippingList[0].ExpressCompany == ""):
		wxError(c, 47003, "argument invalid! express delivery needs tracking_no and express_company")
		return
	}
	k := req.OrderKey
	var key string
	switch k.OrderNumberType {
	case 1:
		if k.MchID == "" || k.OutTradeNo == "" {
			wxError(c, 47003, "argument invalid! order_number_type 1 needs mchid and out_trade_no")
			return
		}
		key = "otn:" + k.MchID + ":" + k.OutTradeNo
	case 2:
		if k.TransactionID == "" {
			wxError(c, 47003, "argument invalid! order_number_type 2 needs transaction_id")
			return
		}
		key = "tx:" + k.TransactionID
	default:
		wxError(c, 47003, "argument invalid! order_number_type is 1 or 2")
		return
	}
	payer, ok := s.paid.Paid(k.MchID, k.OutTradeNo, k.TransactionID)
	if !ok {
		wxError(c, 10060001, "支付单不存在")
		return
	}
	if payer != req.Payer.OpenID {
		wxError(c, 47003, "argument invalid! payer.openid is not the payer of the order")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, done := s.uploads[key]; done {
		wxError(c, 10060002, "支付单已完成发货，无法继续发货")
		return
	}
	s.uploads[key] = ShippingUpload{OutTradeNo: k.OutTradeNo, TransactionID: k.TransactionID, LogisticsType: req.LogisticsType,
		ItemDesc: req.ShippingList[0].ItemDesc, Payer: payer, UploadTime: uploadTime}
	c.JSON(http.StatusOK, gin.H{"errcode": 0, "errmsg": "ok"})
}

func (s *Shipping) list(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"uploads": s.Uploads()})
}
