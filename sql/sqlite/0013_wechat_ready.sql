-- +goose Up
-- Subscribe-message acceptances: each 允许 a student taps in wx.requestSubscribeMessage
-- allows WeChat to deliver exactly one message of that template (43101 after), so each
-- is stored and used up by one send (used_at, taken atomically by the sender).
CREATE TABLE subscribe_acceptances (
  id            INTEGER      NOT NULL PRIMARY KEY AUTOINCREMENT,
  collection_id VARCHAR(40)  NOT NULL,
  template_id   VARCHAR(128) NOT NULL,
  accepted_at   DATETIME     NOT NULL,
  used_at       DATETIME     NULL,
  used_for      VARCHAR(64)  NOT NULL DEFAULT ''
);
CREATE INDEX idx_subscribe_acceptances_open ON subscribe_acceptances (collection_id, template_id, used_at);

-- The one "granted" flag is replaced by the acceptances above.
ALTER TABLE collections DROP COLUMN subscribe_granted;

-- WeChat Pay's 发货信息管理: for a trade-managed merchant every paid order's shipping
-- information must be uploaded (for this virtual service: at once, logistics_type 3).
CREATE TABLE order_shipping (
  out_trade_no    VARCHAR(32)  NOT NULL PRIMARY KEY,
  status          VARCHAR(16)  NOT NULL,
  attempts        INT          NOT NULL DEFAULT 0,
  last_error      VARCHAR(500) NOT NULL DEFAULT '',
  next_attempt_at DATETIME     NOT NULL,
  lease_until     DATETIME     NULL,
  uploaded_at     DATETIME     NULL,
  created_at      DATETIME     NOT NULL,
  updated_at      DATETIME     NOT NULL
);
CREATE INDEX idx_order_shipping_due ON order_shipping (status, next_attempt_at);

-- +goose Down
DROP TABLE order_shipping;
ALTER TABLE collections ADD COLUMN subscribe_granted BOOLEAN NOT NULL DEFAULT FALSE;
DROP TABLE subscribe_acceptances;
