-- +goose Up
CREATE TABLE schools (
  id            VARCHAR(40)  NOT NULL PRIMARY KEY,
  name          VARCHAR(128) NOT NULL,
  province      VARCHAR(32)  NOT NULL DEFAULT '',
  aliases       TEXT         NOT NULL,
  levels        VARCHAR(255) NOT NULL,
  price_fen     INT          NOT NULL,
  photo_profile VARCHAR(32)  NOT NULL DEFAULT '',
  active        BOOLEAN      NOT NULL DEFAULT TRUE,
  created_at    DATETIME     NOT NULL,
  updated_at    DATETIME     NOT NULL
);
CREATE UNIQUE INDEX uq_schools_name ON schools (name);

CREATE TABLE roster_entries (
  id             INTEGER      NOT NULL PRIMARY KEY AUTOINCREMENT,
  school_id      VARCHAR(40)  NOT NULL,
  student_no     VARCHAR(64)  NOT NULL,
  name           VARCHAR(64)  NOT NULL,
  name_key       VARCHAR(64)  NOT NULL,
  level          VARCHAR(16)  NOT NULL,
  phone          VARCHAR(20)  NOT NULL DEFAULT '',
  has_chsi_photo BOOLEAN      NOT NULL DEFAULT FALSE,
  created_at     DATETIME     NOT NULL,
  updated_at     DATETIME     NOT NULL,
  CONSTRAINT fk_roster_school FOREIGN KEY (school_id) REFERENCES schools (id)
);
CREATE UNIQUE INDEX uq_roster_school_student ON roster_entries (school_id, student_no);
CREATE INDEX idx_roster_school_name ON roster_entries (school_id, name_key);

CREATE TABLE users (
  id            VARCHAR(40)  NOT NULL PRIMARY KEY,
  openid        VARCHAR(128) NOT NULL,
  unionid       VARCHAR(128) NOT NULL DEFAULT '',
  created_at    DATETIME     NOT NULL,
  last_login_at DATETIME     NOT NULL
);
CREATE UNIQUE INDEX uq_users_openid ON users (openid);

CREATE TABLE verify_failures (
  id         INTEGER     NOT NULL PRIMARY KEY AUTOINCREMENT,
  user_id    VARCHAR(40) NOT NULL,
  created_at DATETIME    NOT NULL
);
CREATE INDEX idx_verify_failures_user ON verify_failures (user_id, created_at);

CREATE TABLE collections (
  id                     VARCHAR(40)  NOT NULL PRIMARY KEY,
  user_id                VARCHAR(40)  NOT NULL,
  school_id              VARCHAR(40)  NOT NULL,
  roster_entry_id        BIGINT       NOT NULL,
  level                  VARCHAR(16)  NOT NULL,
  name                   VARCHAR(64)  NOT NULL,
  student_no             VARCHAR(64)  NOT NULL,
  phone                  VARCHAR(20)  NOT NULL DEFAULT '',
  status                 VARCHAR(16)  NOT NULL,
  already_has_chsi_photo BOOLEAN      NOT NULL DEFAULT FALSE,
  chsi_photo_ack         BOOLEAN      NOT NULL DEFAULT FALSE,
  capture_code_hash      CHAR(64)     NULL,
  capture_code_masked    VARCHAR(64)  NOT NULL DEFAULT '',
  capture_code_cipher    TEXT         NULL,
  capture_code_at        DATETIME     NULL,
  photo_sha256           CHAR(64)     NULL,
  photo_checks           TEXT   NULL,
  photo_at               DATETIME     NULL,
  created_at             DATETIME     NOT NULL,
  updated_at             DATETIME     NOT NULL,
  CONSTRAINT fk_collections_user FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT fk_collections_school FOREIGN KEY (school_id) REFERENCES schools (id),
  CONSTRAINT fk_collections_roster FOREIGN KEY (roster_entry_id) REFERENCES roster_entries (id)
);
CREATE UNIQUE INDEX uq_collections_roster ON collections (roster_entry_id);
CREATE UNIQUE INDEX uq_collections_capture_code ON collections (capture_code_hash);
CREATE INDEX idx_collections_user ON collections (user_id);
CREATE INDEX idx_collections_school_status ON collections (school_id, status);

CREATE TABLE photo_uploads (
  id            INTEGER     NOT NULL PRIMARY KEY AUTOINCREMENT,
  collection_id VARCHAR(40) NOT NULL,
  sha256        CHAR(64)    NOT NULL,
  size_bytes    BIGINT      NOT NULL,
  passed        BOOLEAN     NOT NULL,
  verdict_json  TEXT  NOT NULL,
  created_at    DATETIME    NOT NULL,
  purged_at     DATETIME    NULL,
  CONSTRAINT fk_photo_uploads_collection FOREIGN KEY (collection_id) REFERENCES collections (id)
);
CREATE INDEX idx_photo_uploads_collection ON photo_uploads (collection_id);
CREATE INDEX idx_photo_uploads_retention ON photo_uploads (passed, purged_at, created_at);

CREATE TABLE staff_accounts (
  id              INTEGER      NOT NULL PRIMARY KEY AUTOINCREMENT,
  username        VARCHAR(64)  NOT NULL,
  password_hash   VARCHAR(100) NOT NULL,
  role            VARCHAR(16)  NOT NULL,
  school_id       VARCHAR(40)  NULL,
  failed_logins   INT          NOT NULL DEFAULT 0,
  locked_until    DATETIME     NULL,
  created_at      DATETIME     NOT NULL,
  updated_at      DATETIME     NOT NULL
);
CREATE UNIQUE INDEX uq_staff_username ON staff_accounts (username);

-- +goose Down
DROP TABLE staff_accounts;
DROP TABLE photo_uploads;
DROP TABLE collections;
DROP TABLE verify_failures;
DROP TABLE users;
DROP TABLE roster_entries;
DROP TABLE schools;
