-- +goose Up
-- One row per review round of a collection (a rejection and a new upload open the next
-- round). Reviewers claim rows with a lease (claimed_by, lease_expires_at).
CREATE TABLE review_tasks (
  id                BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  collection_id     VARCHAR(40)  NOT NULL,
  round             INT          NOT NULL,
  school_id         VARCHAR(40)  NOT NULL,
  status            VARCHAR(16)  NOT NULL,
  paid_at           DATETIME(3)  NOT NULL,
  deadline          DATETIME(3)  NOT NULL,
  claimed_by        VARCHAR(64)  NOT NULL DEFAULT '',
  claimed_at        DATETIME(3)  NULL,
  lease_expires_at  DATETIME(3)  NULL,
  decided_by        VARCHAR(64)  NOT NULL DEFAULT '',
  decided_at        DATETIME(3)  NULL,
  reasons           TEXT         NOT NULL,
  note              TEXT         NOT NULL,
  overdue_logged_at DATETIME(3)  NULL,
  created_at        DATETIME(3)  NOT NULL,
  updated_at        DATETIME(3)  NOT NULL,
  UNIQUE KEY uq_review_tasks_round (collection_id, round),
  KEY idx_review_tasks_queue (status, id),
  KEY idx_review_tasks_school_deadline (school_id, status, deadline),
  KEY idx_review_tasks_deadline (status, deadline)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Who did what to a review task, and when (claims show the photo, decisions are final).
CREATE TABLE review_audit (
  id            BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  task_id       BIGINT      NOT NULL,
  collection_id VARCHAR(40) NOT NULL,
  actor         VARCHAR(64) NOT NULL,
  action        VARCHAR(16) NOT NULL,
  detail        TEXT        NOT NULL,
  created_at    DATETIME(3) NOT NULL,
  KEY idx_review_audit_task (task_id),
  KEY idx_review_audit_collection (collection_id),
  CONSTRAINT fk_review_audit_task FOREIGN KEY (task_id) REFERENCES review_tasks (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE review_audit;
DROP TABLE review_tasks;
