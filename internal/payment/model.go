package payment

import "time"

// Order statuses. An order goes created → paid → refunding → refunded, or created → closed.
const (
	StatusCreated   = "created"
	StatusPaid      = "paid"
	StatusClosed    = "closed"
	StatusRefunding = "refunding"
	StatusRefunded  = "refunded"
)

// Order is one WeChat Pay JSAPI order (table orders).
type Order struct {
	OutTradeNo   string `gorm:"column:out_trade_no;primaryKey"`
	CollectionID string `gorm:"column:collection_id"`
	UserID       string `gorm:"column:user_id"`
	OpenID       string `gorm:"column:openid"`
	AmountFen    int64  `gorm:"column:amount_fen"`
	Description  string `gorm:"column:description"`
	Status       string `gorm:"column:status"`
	// OpenCollectionID is CollectionID while the order is created, else NULL; its unique
	// key keeps one open order per collection even when two requests race.
	OpenCollectionID *string `gorm:"column:open_collection_id"`
	// PaidCollectionID is CollectionID while the order is paid or refunding, else NULL:
	// one paid order per collection, enforced by a unique key.
	PaidCollectionID  *string    `gorm:"column:paid_collection_id"`
	PrepayID          string     `gorm:"column:prepay_id"`
	TransactionID     string     `gorm:"column:transaction_id"`
	PayerTotalFen     *int64     `gorm:"column:payer_total_fen"`
	ExpiresAt         time.Time  `gorm:"column:expires_at"`
	PaidAt            *time.Time `gorm:"column:paid_at"`
	ClosedAt          *time.Time `gorm:"column:closed_at"`
	OutRefundNo       *string    `gorm:"column:out_refund_no"`
	RefundID          string     `gorm:"column:refund_id"`
	RefundReason      string     `gorm:"column:refund_reason"`
	RefundStatus      string     `gorm:"column:refund_status"` // WeChat's: PROCESSING, SUCCESS, ABNORMAL, CLOSED
	RefundRequestedAt *time.Time `gorm:"column:refund_requested_at"`
	RefundedAt        *time.Time `gorm:"column:refunded_at"`
	// LeaseOwner/LeaseUntil: the reconciler instance working on the row, and until when.
	LeaseOwner string     `gorm:"column:lease_owner"`
	LeaseUntil *time.Time `gorm:"column:lease_until"`
	CreatedAt  time.Time  `gorm:"column:created_at"`
	UpdatedAt  time.Time  `gorm:"column:updated_at"`
}

// TableName is the SQL table.
func (Order) TableName() string { return "orders" }

// Outcomes of a recorded notification.
const (
	OutcomeApplied = "applied" // changed an order
	OutcomeIgnored = "ignored" // verified, nothing to do (other event, already applied)
	OutcomeAnomaly = "anomaly" // verified but inconsistent with our order: alerted, not applied
)

// Notification is a verified WeChat Pay notification, recorded by its id so that a
// redelivery changes nothing, or an anomaly found by the reconciler (table
// payment_notifications).
type Notification struct {
	ID         string    `gorm:"column:id;primaryKey"`
	EventType  string    `gorm:"column:event_type"`
	OutTradeNo string    `gorm:"column:out_trade_no"`
	Outcome    string    `gorm:"column:outcome"`
	Detail     string    `gorm:"column:detail"`
	CreatedAt  time.Time `gorm:"column:created_at"`
}

// TableName is the SQL table.
func (Notification) TableName() string { return "payment_notifications" }

// Models lists every GORM model of the package (the schema test compares them with sql/).
func Models() []any { return []any{&Order{}, &Notification{}, &Shipment{}} }
