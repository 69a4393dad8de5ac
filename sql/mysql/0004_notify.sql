-- +goose Up
-- Outbox of student notifications, written in the same transaction as the event that
-- causes them; workers lease rows (lease_until) so that several instances never send
-- the same message.
CREATE TABLE notify_messages (
  id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  idempotency_key VARCHAR(191) NOT NULL,
  channel         VARCHAR(16)  NOT NULL,
  recipient       VARCHAR(128) NOT NULL,
  template        VARCHAR(64)  NOT NULL,
  params          TEXT         NOT NULL,
  body            TEXT         NOT NULL,
  collection_id   VARCHAR(40)  NOT NULL DEFAULT '',
  status          VARCHAR(16)  NOT NULL,
  attempts        INT          NOT NULL DEFAULT 0,
  next_attempt_at DATETIME(3)  NOT NULL,
  lease_until     DATETIME(3)  NULL,
  last_error      TEXT         NOT NULL,
  sent_at         DATETIME(3)  NULL,
  created_at      DATETIME(3)  NOT NULL,
  updated_at      DATETIME(3)  NOT NULL,
  UNIQUE KEY uq_notify_messages_key (idempotency_key),
  KEY idx_notify_messages_due (status, next_attempt_at),
  KEY idx_notify_messages_collection (collection_id),
  KEY idx_notify_messages_channel (channel, status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE notify_events (
  id         BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  message_id BIGINT      NOT NULL,
  attempt    INT         NOT NULL,
  status     VARCHAR(16) NOT NULL,
  error      TEXT        NOT NULL,
  created_at DATETIME(3) NOT NULL,
  KEY idx_notify_events_message (message_id),
  CONSTRAINT fk_notify_events_message FOREIGN KEY (message_id) REFERENCES notify_messages (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE notify_events;
DROP TABLE notify_messages;
