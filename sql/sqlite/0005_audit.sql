-- +goose Up
-- The staff audit trail: who (actor, role, school scope) did what (action) to what
-- (target), with a JSON detail and the client address. Rows are only ever inserted.
-- Times are DATETIME, not DATETIME(3): the SQLite driver turns a column into time.Time
-- only when its declared type is exactly DATE, DATETIME or TIMESTAMP.
CREATE TABLE audit_log (
  id         INTEGER      NOT NULL PRIMARY KEY AUTOINCREMENT,
  actor      VARCHAR(64)  NOT NULL,
  role       VARCHAR(16)  NOT NULL,
  school_id  VARCHAR(40)  NOT NULL DEFAULT '',
  action     VARCHAR(32)  NOT NULL,
  target     VARCHAR(128) NOT NULL DEFAULT '',
  detail     TEXT         NOT NULL,
  ip         VARCHAR(64)  NOT NULL DEFAULT '',
  created_at DATETIME     NOT NULL
);
CREATE INDEX idx_audit_log_action ON audit_log (action, id);
CREATE INDEX idx_audit_log_actor ON audit_log (actor, id);

-- +goose Down
DROP TABLE audit_log;
