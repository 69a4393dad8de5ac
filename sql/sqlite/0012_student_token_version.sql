-- +goose Up
-- Student tokens carry this version; raising it (logout) ends every session of the student.
ALTER TABLE users ADD COLUMN token_version INT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE users DROP COLUMN token_version;
