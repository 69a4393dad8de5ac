-- +goose Up
-- Delivery to 学信网. An export is a numbered batch: what it holds is fixed when it is
-- made (students, the delivered standard photo, the sealed 采集码, the approval time),
-- so that the same ZIP can be written again byte for byte. 学信网's answer is kept on the
-- batch item it answers (importing the same result list twice changes nothing).
CREATE TABLE export_batches (
  id           BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  school_id    VARCHAR(40)  NOT NULL,
  status       VARCHAR(16)  NOT NULL,
  photo_count  INT          NOT NULL,
  all_approved BOOL         NOT NULL,
  skipped      TEXT         NOT NULL,
  created_by   VARCHAR(64)  NOT NULL,
  created_at   DATETIME(3)  NOT NULL,
  submitted_by VARCHAR(64)  NULL,
  submitted_at DATETIME(3)  NULL,
  KEY idx_export_batches_school (school_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE export_batch_items (
  id                  BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  batch_id            BIGINT       NOT NULL,
  school_id           VARCHAR(40)  NOT NULL,
  collection_id       VARCHAR(40)  NOT NULL,
  student_no          VARCHAR(64)  NOT NULL,
  name                VARCHAR(64)  NOT NULL,
  level               VARCHAR(16)  NOT NULL,
  capture_code_cipher TEXT         NULL,
  approved_at         DATETIME(3)  NULL,
  photo_sha256        CHAR(64)     NOT NULL,
  chsi_result         VARCHAR(16)  NULL,
  chsi_reason         VARCHAR(255) NULL,
  chsi_at             DATETIME(3)  NULL,
  UNIQUE KEY uq_export_batch_items (batch_id, collection_id),
  KEY idx_export_batch_items_student (school_id, student_no, batch_id),
  CONSTRAINT fk_export_batch_items_batch FOREIGN KEY (batch_id) REFERENCES export_batches (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Why 学信网 refused the photo, shown to the student while the status is chsi_failed.
ALTER TABLE collections ADD COLUMN chsi_reason VARCHAR(255) NULL;

-- +goose Down
ALTER TABLE collections DROP COLUMN chsi_reason;
DROP TABLE export_batch_items;
DROP TABLE export_batches;
