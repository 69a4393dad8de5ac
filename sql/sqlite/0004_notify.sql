-- +goose Up
-- Outbox of student notifications, written in the same transaction as the event that
-- causes them; workers lease rows (lease_until) so that several instances never send
-- the same message. Times are DATETIME, not DATETIME(3): the SQLite driver turns a column
-- into time.Time only when its declared type is exactly DATE, DATETIME or TIMESTAMP.
CREATE TABLE notify_messages (
  id              INTEGER      NOT NULL PRIMARY KEY AUTOINCREMENT,
  idempotency_key VARCHAR(191) NOT NULL,
  channel         VARCHAR(16)  NOT NULL,
  recipient       VARCHAR(128) NOT NULL,
  template        VARCHAR(64)  NOT NULL,
  params          TEXT         NOT NULL,
  body            TEXT         NOT NULL,
  collection_id   VARCHAR(40)  NOT NULL DEFAULT '',
  status          VARCHAR(16)  NOT NULL,
  attempts        INT          NOT NULL DEFAULT 0,
  next_attempt_at DATETIME     NOT NULL,
  lease_until     DATETIME     NULL,
  last_error      TEXT         NOT NULL,
  sent_at         DATETIME     NULL,
  created_at      DATETIME     NOT NULL,
  updated_at      DATETIME     NOT NULL
);
CREATE UNIQUE INDEX uq_notify_messages_key ON notify_messages (idempotency_key);
CREATE INDEX idx_notify_messages_due ON notify_messages (status, next_attempt_at);
CREATE INDEX idx_notify_messages_collection ON notify_messages (collection_id);
CREATE INDEX idx_notify_messages_channel ON notify_messages (channel, status);

CREATE TABLE notify_events (
  id         INTEGER     NOT NULL PRIMARY KEY AUTOINCREMENT,
  message_id BIGINT      NOT NULL,
  attempt    INT         NOT NULL,
  status     VARCHAR(16) NOT NULL,
  error      TEXT        NOT NULL,
  created_at DATETIME    NOT NULL,
  CONSTRAINT fk_notify_events_message FOREIGN KEY (message_id) REFERENCES notify_messages (id)
);
CREATE INDEX idx_notify_events_message ON notify_events (message_id);

-- +goose Down
DROP TABLE notify_events;
DROP TABLE notify_messages;
