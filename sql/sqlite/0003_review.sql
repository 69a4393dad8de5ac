-- +goose Up
-- One row per review round of a collection (a rejection and a new upload open the next
-- round). Reviewers claim rows with a lease (claimed_by, lease_expires_at).
-- Times are DATETIME, not DATETIME(3): the SQLite driver turns a column into time.Time
-- only when its declared type is exactly DATE, DATETIME or TIMESTAMP.
CREATE TABLE review_tasks (
  id                INTEGER      NOT NULL PRIMARY KEY AUTOINCREMENT,
  collection_id     VARCHAR(40)  NOT NULL,
  round             INT          NOT NULL,
  school_id         VARCHAR(40)  NOT NULL,
  status            VARCHAR(16)  NOT NULL,
  paid_at           DATETIME     NOT NULL,
  deadline          DATETIME     NOT NULL,
  claimed_by        VARCHAR(64)  NOT NULL DEFAULT '',
  claimed_at        DATETIME     NULL,
  lease_expires_at  DATETIME     NULL,
  decided_by        VARCHAR(64)  NOT NULL DEFAULT '',
  decided_at        DATETIME     NULL,
  reasons           TEXT         NOT NULL,
  note              TEXT         NOT NULL,
  overdue_logged_at DATETIME     NULL,
  created_at        DATETIME     NOT NULL,
  updated_at        DATETIME     NOT NULL
);
CREATE UNIQUE INDEX uq_review_tasks_round ON review_tasks (collection_id, round);
CREATE INDEX idx_review_tasks_queue ON review_tasks (status, id);
CREATE INDEX idx_review_tasks_school_deadline ON review_tasks (school_id, status, deadline);
CREATE INDEX idx_review_tasks_deadline ON review_tasks (status, deadline);

-- Who did what to a review task, and when (claims show the photo, decisions are final).
CREATE TABLE review_audit (
  id            INTEGER     NOT NULL PRIMARY KEY AUTOINCREMENT,
  task_id       BIGINT      NOT NULL,
  collection_id VARCHAR(40) NOT NULL,
  actor         VARCHAR(64) NOT NULL,
  action        VARCHAR(16) NOT NULL,
  detail        TEXT        NOT NULL,
  created_at    DATETIME    NOT NULL,
  CONSTRAINT fk_review_audit_task FOREIGN KEY (task_id) REFERENCES review_tasks (id)
);
CREATE INDEX idx_review_audit_task ON review_audit (task_id);
CREATE INDEX idx_review_audit_collection ON review_audit (collection_id);

-- +goose Down
DROP TABLE review_audit;
DROP TABLE review_tasks;
