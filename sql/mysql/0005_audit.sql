-- +goose Up
-- The staff audit trail: who (actor, role, school scope) did what (action) to what
-- (target), with a JSON detail and the client address. Rows are only ever inserted.
CREATE TABLE audit_log (
  id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  actor      VARCHAR(64)  NOT NULL,
  role       VARCHAR(16)  NOT NULL,
  school_id  VARCHAR(40)  NOT NULL DEFAULT '',
  action     VARCHAR(32)  NOT NULL,
  target     VARCHAR(128) NOT NULL DEFAULT '',
  detail     TEXT         NOT NULL,
  ip         VARCHAR(64)  NOT NULL DEFAULT '',
  created_at DATETIME(3)  NOT NULL,
  KEY idx_audit_log_action (action, id),
  KEY idx_audit_log_actor (actor, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE audit_log;
