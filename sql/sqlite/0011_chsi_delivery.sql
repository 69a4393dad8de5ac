-- +goose Up
-- Delivery to 学信网. An export is a numbered batch: what it holds is fixed when it is
-- made (students, the delivered standard photo, the sealed 采集码, the approval time),
-- so that the same ZIP can be written again byte for byte. 学信网's answer is kept on the
-- batch item it answers (importing the same result list twice changes nothing).
-- Times are DATETIME, not DATETIME(3): the SQLite driver turns a column into time.Time
-- only when its declared type is exactly DATE, DATETIME or TIMESTAMP.
CREATE TABLE export_batches (
  id           INTEGER      NOT NULL PRIMARY KEY AUTOINCREMENT,
  school_id    VARCHAR(40)  NOT NULL,
  status       VARCHAR(16)  NOT NULL,
  photo_count  INT          NOT NULL,
  all_approved BOOL         NOT NULL,
  skipped      TEXT         NOT NULL,
  created_by   VARCHAR(64)  NOT NULL,
  created_at   DATETIME     NOT NULL,
  submitted_by VARCHAR(64)  NULL,
  submitted_at DATETIME     NULL
);
CREATE INDEX idx_export_batches_school ON export_batches (school_id, id);

CREATE TABLE export_batch_items (
  id                  INTEGER      NOT NULL PRIMARY KEY AUTOINCREMENT,
  batch_id            BIGINT       NOT NULL REFERENCES export_batches (id),
  school_id           VARCHAR(40)  NOT NULL,
  collection_id       VARCHAR(40)  NOT NULL,
  student_no          VARCHAR(64)  NOT NULL,
  name                VARCHAR(64)  NOT NULL,
  level               VARCHAR(16)  NOT NULL,
  capture_code_cipher TEXT         NULL,
  approved_at         DATETIME     NULL,
  photo_sha256        CHAR(64)     NOT NULL,
  chsi_result         VARCHAR(16)  NULL,
  chsi_reason         VARCHAR(255) NULL,
  chsi_at             DATETIME     NULL
);
CREATE UNIQUE INDEX uq_export_batch_items ON export_batch_items (batch_id, collection_id);
CREATE INDEX idx_export_batch_items_student ON export_batch_items (school_id, student_no, batch_id);

-- Why 学信网 refused the photo, shown to the student while the status is chsi_failed.
ALTER TABLE collections ADD COLUMN chsi_reason VARCHAR(255) NULL;

-- +goose Down
ALTER TABLE collections DROP COLUMN chsi_reason;
DROP TABLE export_batch_items;
DROP TABLE export_batches;
