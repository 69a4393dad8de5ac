-- +goose Up
-- orders: one WeChat Pay JSAPI order per attempt to pay for a collection.
-- open_collection_id is set only while the order is open (created) and
-- paid_collection_id only while it is paid or being refunded: their unique keys make
-- "one open order and one paid order per collection" a database fact, not only a rule
-- in code (NULLs do not collide).
CREATE TABLE orders (
  out_trade_no        VARCHAR(32)  NOT NULL PRIMARY KEY,
  collection_id       VARCHAR(40)  NOT NULL,
  user_id             VARCHAR(40)  NOT NULL,
  openid              VARCHAR(128) NOT NULL,
  amount_fen          BIGINT       NOT NULL,
  description         VARCHAR(128) NOT NULL,
  status              VARCHAR(16)  NOT NULL,
  open_collection_id  VARCHAR(40)  NULL,
  paid_collection_id  VARCHAR(40)  NULL,
  prepay_id           VARCHAR(64)  NOT NULL DEFAULT '',
  transaction_id      VARCHAR(32)  NOT NULL DEFAULT '',
  payer_total_fen     BIGINT       NULL,
  expires_at          DATETIME(3)  NOT NULL,
  paid_at             DATETIME(3)  NULL,
  closed_at           DATETIME(3)  NULL,
  out_refund_no       VARCHAR(64)  NULL,
  refund_id           VARCHAR(32)  NOT NULL DEFAULT '',
  refund_reason       VARCHAR(80)  NOT NULL DEFAULT '',
  refund_status       VARCHAR(16)  NOT NULL DEFAULT '',
  refund_requested_at DATETIME(3)  NULL,
  refunded_at         DATETIME(3)  NULL,
  lease_owner         VARCHAR(40)  NOT NULL DEFAULT '',
  lease_until         DATETIME(3)  NULL,
  created_at          DATETIME(3)  NOT NULL,
  updated_at          DATETIME(3)  NOT NULL,
  UNIQUE KEY uq_orders_open_collection (open_collection_id),
  UNIQUE KEY uq_orders_paid_collection (paid_collection_id),
  UNIQUE KEY uq_orders_out_refund_no (out_refund_no),
  KEY idx_orders_collection (collection_id, created_at),
  KEY idx_orders_reconcile (status, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- payment_notifications: every verified notification by WeChat's id (so a redelivery
-- is recognised and changes nothing), and anomalies found by notifications or by the
-- reconciler (recorded for a human, never applied).
CREATE TABLE payment_notifications (
  id           VARCHAR(64)  NOT NULL PRIMARY KEY,
  event_type   VARCHAR(40)  NOT NULL,
  out_trade_no VARCHAR(32)  NOT NULL DEFAULT '',
  outcome      VARCHAR(16)  NOT NULL,
  detail       VARCHAR(255) NOT NULL DEFAULT '',
  created_at   DATETIME(3)  NOT NULL,
  KEY idx_payment_notifications_order (out_trade_no, created_at),
  KEY idx_payment_notifications_outcome (outcome, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE payment_notifications;
DROP TABLE orders;
