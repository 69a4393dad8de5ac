package payment

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/db"
)

// Shipping states of an order (table order_shipping).
const (
	ShippingPending  = "pending"  // to upload (again at next_attempt_at)
	ShippingUploaded = "uploaded" // WeChat has it
	ShippingSkipped  = "skipped"  // the order was refunded before its upload
	ShippingFailed   = "failed"   // gave up: a person must enter it in the admin console
)

// ShippingItemDesc is what the student bought, as WeChat shows it in the order.
const ShippingItemDesc = "学历照片采集服务"

// Shipment is the shipping-information state of a paid order (table order_shipping).
// WeChat Pay's 发货信息管理: for a trade-managed merchant, the money of an order whose
// shipping is not uploaded stays frozen; this service is virtual, so it ships at once.
type Shipment struct {
	OutTradeNo    string     `gorm:"column:out_trade_no;primaryKey"`
	Status        string     `gorm:"column:status"`
	Attempts      int        `gorm:"column:attempts"`
	LastError     string     `gorm:"column:last_error"`
	NextAttemptAt time.Time  `gorm:"column:next_attempt_at"`
	LeaseUntil    *time.Time `gorm:"column:lease_until"`
	UploadedAt    *time.Time `gorm:"column:uploaded_at"`
	CreatedAt     time.Time  `gorm:"column:created_at"`
	UpdatedAt     time.Time  `gorm:"column:updated_at"`
}

// TableName is the SQL table.
func (Shipment) TableName() string { return "order_shipping" }

// ShippingInfo is one upload_shipping_info call.
type ShippingInfo struct {
	OutTradeNo, TransactionID, OpenID, ItemDesc string
	UploadTime                                  time.Time
}

// Shipper is WeChat's order shipping API (internal/payment/wxshipping).
type Shipper interface {
	// TradeManaged asks is_trade_managed: must this merchant upload shipping info?
	TradeManaged(ctx context.Context) (bool, error)
	// Upload sends one order's shipping info; ErrAlreadyShipped when WeChat has it.
	Upload(ctx context.Context, info ShippingInfo) error
}

// ErrAlreadyShipped: WeChat already has the order's shipping info (10060002).
var ErrAlreadyShipped = errors.New("payment: shipping already uploaded")

// shipping state of the service: the shipper and the cached is_trade_managed answer.
type shipping struct {
	mu        sync.Mutex
	shipper   Shipper
	managed   bool
	checkedAt time.Time
	retryAt   time.Time // after a failed is_trade_managed
}

const (
	shipBatch       = 50
	shipMaxAttempts = 10
	shipLookback    = 7 * 24 * time.Hour // orders paid before are not uploaded (enrolment is not retroactive)
	managedCacheFor = time.Hour
)

// SetShipper turns the shipping upload on (nil: off).
func (s *Service) SetShipper(sh Shipper) {
	s.ship.mu.Lock()
	s.ship.shipper, s.ship.checkedAt = sh, time.Time{}
	s.ship.mu.Unlock()
}

// tradeManaged asks WeChat at most once an hour.
func (s *Service) tradeManaged(ctx context.Context) (Shipper, bool, error) {
	s.ship.mu.Lock()
	defer s.ship.mu.Unlock()
	if s.ship.shipper == nil {
		return nil, false, nil
	}
	now := s.clock()
	if now.Before(s.ship.retryAt) {
		return nil, false, nil // the last question failed: do not ask every run
	}
	if s.ship.checkedAt.IsZero() || now.Sub(s.ship.checkedAt) >= managedCacheFor {
		managed, err := s.ship.shipper.TradeManaged(ctx)
		if err != nil {
			s.ship.retryAt = now.Add(5 * time.Minute)
			return nil, false, err
		}
		s.ship.managed, s.ship.checkedAt = managed, now
	}
	return s.ship.shipper, s.ship.managed, nil
}

// ShipPaid uploads the shipping info of recently paid orders when the merchant is trade
// managed: each order once, retried with backoff, shared safely by several instances
// (rows are leased). It returns how many were uploaded.
func (s *Service) ShipPaid(ctx context.Context) (int, error) {
	sh, managed, err := s.tradeManaged(ctx)
	if err != nil || !managed {
		return 0, err
	}
	if err := s.queueShipments(ctx); err != nil {
		return 0, err
	}
	due, err := s.claimShipments(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, otn := range due {
		if ctx.Err() != nil {
			break
		}
		if s.shipOne(ctx, sh, otn) {
			n++
		}
	}
	return n, nil
}

// queueShipments adds a pending row for every recently paid order without one.
func (s *Service) queueShipments(ctx context.Context) error {
	now := s.clock()
	var otns []string
	err := db.Conn(ctx, s.g).Model(&Order{}).
		Where("status = ? AND paid_at >= ? AND transaction_id <> ''", StatusPaid, now.Add(-shipLookback)).
		Where("NOT EXISTS (SELECT 1 FROM order_shipping WHERE order_shipping.out_trade_no = orders.out_trade_no)").
		Order("paid_at").Limit(shipBatch).Pluck("out_trade_no", &otns).Error
	if err != nil {
		return apperr.Internal(fmt.Errorf("payment: shipping queue: %w", err))
	}
	for _, otn := range otns {
		err := db.Conn(ctx, s.g).Create(&Shipment{OutTradeNo: otn, Status: ShippingPending, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now}).Error
		if err != nil && !db.IsDuplicate(err) { // a duplicate: another instance queued it
			return apperr.Internal(fmt.Errorf("payment: shipping queue: %w", err))
		}
	}
	return nil
}

// claimShipments leases due rows to this instance (as the reconciler does).
func (s *Service) claimShipments(ctx context.Context) ([]string, error) {
	now := s.clock()
	var claimed []string
	err := db.Tx(ctx, s.g, func(ctx context.Context) error {
		q := db.Conn(ctx, s.g)
		var otns []string
		if err := db.SkipLocked(q.Model(&Shipment{}).
			Where("status = ? AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)", ShippingPending, now, now).
			Order("next_attempt_at").Limit(shipBatch)).Pluck("out_trade_no", &otns).Error; err != nil || len(otns) == 0 {
			return err
		}
		res := q.Model(&Shipment{}).Where("out_trade_no IN ? AND (lease_until IS NULL OR lease_until < ?)", otns, now).
			Update("lease_until", now.Add(2*time.Minute))
		if res.Error != nil {
			return res.Error
		}
		claimed = otns
		return nil
	})
	if err != nil {
		return nil, apperr.Internal(fmt.Errorf("payment: shipping claim: %w", err))
	}
	return claimed, nil
}

// shipOne uploads one order's shipping info and records the outcome; true when uploaded.
func (s *Service) shipOne(ctx context.Context, sh Shipper, otn string) bool {
	o, err := s.FindOrder(ctx, otn)
	if err != nil {
		s.log.WarnContext(ctx, "shipping: order", "out_trade_no", otn, "err", err)
		return false
	}
	var row Shipment
	if err := db.Conn(ctx, s.g).Where("out_trade_no = ?", otn).Take(&row).Error; err != nil {
		s.log.WarnContext(ctx, "shipping: row", "out_trade_no", otn, "err", err)
		return false
	}
	now := s.clock()
	upd := map[string]any{"lease_until": nil, "updated_at": now}
	uploaded := false
	if o.Status != StatusPaid {
		upd["status"] = ShippingSkipped // refunded meanwhile: nothing was delivered
	} else {
		err := sh.Upload(ctx, ShippingInfo{OutTradeNo: o.OutTradeNo, TransactionID: o.TransactionID, OpenID: o.OpenID,
			ItemDesc: ShippingItemDesc, UploadTime: now})
		switch {
		case err == nil || errors.Is(err, ErrAlreadyShipped):
			upd["status"], upd["uploaded_at"], upd["last_error"] = ShippingUploaded, now, ""
			uploaded = err == nil
		default:
			attempts := row.Attempts + 1
			upd["attempts"], upd["last_error"] = attempts, truncateRunes(err.Error(), 500)
			upd["next_attempt_at"] = now.Add(min(time.Minute<<min(attempts, 10), time.Hour))
			if attempts >= shipMaxAttempts {
				upd["status"] = ShippingFailed
				s.log.ErrorContext(ctx, "ALERT shipping info not uploaded: enter it in the admin console (发货信息管理)",
					"alert", "shipping_failed", "out_trade_no", otn, "err", err)
			} else {
				s.log.WarnContext(ctx, "shipping upload failed", "out_trade_no", otn, "attempt", attempts, "err", err)
			}
		}
	}
	if err := db.Conn(ctx, s.g).Model(&Shipment{}).Where("out_trade_no = ?", otn).Updates(upd).Error; err != nil {
		s.log.ErrorContext(ctx, "shipping: record", "out_trade_no", otn, "err", err)
		return false
	}
	if uploaded {
		s.log.InfoContext(ctx, "shipping info uploaded", "out_trade_no", otn)
	}
	return uploaded
}

// ShipmentOf returns an order's shipping state, nil when it has none.
func (s *Service) ShipmentOf(ctx context.Context, outTradeNo string) (*Shipment, error) {
	var row Shipment
	err := db.Conn(ctx, s.g).Where("out_trade_no = ?", outTradeNo).Take(&row).Error
	if db.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, apperr.Internal(err)
	}
	return &row, nil
}
