-- +goose Up
-- Same tables as sql/mysql/0002_payment.sql; see the comments there.
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
  expires_at          DATETIME     NOT NULL,
  paid_at             DATETIME     NULL,
  closed_at           DATETIME     NULL,
  out_refund_no       VARCHAR(64)  NULL,
  refund_id           VARCHAR(32)  NOT NULL DEFAULT '',
  refund_reason       VARCHAR(80)  NOT NULL DEFAULT '',
  refund_status       VARCHAR(16)  NOT NULL DEFAULT '',
  refund_requested_at DATETIME     NULL,
  refunded_at         DATETIME     NULL,
  lease_owner         VARCHAR(40)  NOT NULL DEFAULT '',
  lease_until         DATETIME     NULL,
  created_at          DATETIME     NOT NULL,
  updated_at          DATETIME     NOT NULL
);
CREATE UNIQUE INDEX uq_orders_open_collection ON orders (open_collection_id);
CREATE UNIQUE INDEX uq_orders_paid_collection ON orders (paid_collection_id);
CREATE UNIQUE INDEX uq_orders_out_refund_no ON orders (out_refund_no);
CREATE INDEX idx_orders_collection ON orders (collection_id, created_at);
CREATE INDEX idx_orders_reconcile ON orders (status, created_at);

CREATE TABLE payment_notifications (
  id           VARCHAR(64)  NOT NULL PRIMARY KEY,
  event_type   VARCHAR(40)  NOT NULL,
  out_trade_no VARCHAR(32)  NOT NULL DEFAULT '',
  outcome      VARCHAR(16)  NOT NULL,
  detail       VARCHAR(255) NOT NULL DEFAULT '',
  created_at   DATETIME     NOT NULL
);
CREATE INDEX idx_payment_notifications_order ON payment_notifications (out_trade_no, created_at);
CREATE INDEX idx_payment_notifications_outcome ON payment_notifications (outcome, created_at);

-- +goose Down
DROP TABLE payment_notifications;
DROP TABLE orders;
