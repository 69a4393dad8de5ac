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
  created_at    DATETIME(3)  NOT NULL,
  updated_at    DATETIME(3)  NOT NULL,
  UNIQUE KEY uq_schools_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE roster_entries (
  id             BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  school_id      VARCHAR(40)  NOT NULL,
  student_no     VARCHAR(64)  NOT NULL,
  name           VARCHAR(64)  NOT NULL,
  name_key       VARCHAR(64)  NOT NULL,
  level          VARCHAR(16)  NOT NULL,
  phone          VARCHAR(20)  NOT NULL DEFAULT '',
  has_chsi_photo BOOLEAN      NOT NULL DEFAULT FALSE,
  created_at     DATETIME(3)  NOT NULL,
  updated_at     DATETIME(3)  NOT NULL,
  UNIQUE KEY uq_roster_school_student (school_id, student_no),
  KEY idx_roster_school_name (school_id, name_key),
  CONSTRAINT fk_roster_school FOREIGN KEY (school_id) REFERENCES schools (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE users (
  id            VARCHAR(40)  NOT NULL PRIMARY KEY,
  openid        VARCHAR(128) NOT NULL,
  unionid       VARCHAR(128) NOT NULL DEFAULT '',
  created_at    DATETIME(3)  NOT NULL,
  last_login_at DATETIME(3)  NOT NULL,
  UNIQUE KEY uq_users_openid (openid)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE verify_failures (
  id         BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id    VARCHAR(40) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  KEY idx_verify_failures_user (user_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

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
  capture_code_at        DATETIME(3)  NULL,
  photo_sha256           CHAR(64)     NULL,
  photo_checks           MEDIUMTEXT   NULL,
  photo_at               DATETIME(3)  NULL,
  created_at             DATETIME(3)  NOT NULL,
  updated_at             DATETIME(3)  NOT NULL,
  UNIQUE KEY uq_collections_roster (roster_entry_id),
  UNIQUE KEY uq_collections_capture_code (capture_code_hash),
  KEY idx_collections_user (user_id),
  KEY idx_collections_school_status (school_id, status),
  CONSTRAINT fk_collections_user FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT fk_collections_school FOREIGN KEY (school_id) REFERENCES schools (id),
  CONSTRAINT fk_collections_roster FOREIGN KEY (roster_entry_id) REFERENCES roster_entries (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE photo_uploads (
  id            BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  collection_id VARCHAR(40) NOT NULL,
  sha256        CHAR(64)    NOT NULL,
  size_bytes    BIGINT      NOT NULL,
  passed        BOOLEAN     NOT NULL,
  verdict_json  MEDIUMTEXT  NOT NULL,
  created_at    DATETIME(3) NOT NULL,
  purged_at     DATETIME(3) NULL,
  KEY idx_photo_uploads_collection (collection_id),
  KEY idx_photo_uploads_retention (passed, purged_at, created_at),
  CONSTRAINT fk_photo_uploads_collection FOREIGN KEY (collection_id) REFERENCES collections (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE staff_accounts (
  id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  username        VARCHAR(64)  NOT NULL,
  password_hash   VARCHAR(100) NOT NULL,
  role            VARCHAR(16)  NOT NULL,
  school_id       VARCHAR(40)  NULL,
  failed_logins   INT          NOT NULL DEFAULT 0,
  locked_until    DATETIME(3)  NULL,
  created_at      DATETIME(3)  NOT NULL,
  updated_at      DATETIME(3)  NOT NULL,
  UNIQUE KEY uq_staff_username (username)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE staff_accounts;
DROP TABLE photo_uploads;
DROP TABLE collections;
DROP TABLE verify_failures;
DROP TABLE users;
DROP TABLE roster_entries;
DROP TABLE schools;
