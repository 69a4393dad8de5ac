-- +goose Up
-- Staff tokens carry this version; raising it (logout, password reset) ends every session.
ALTER TABLE staff_accounts ADD COLUMN token_version INT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE staff_accounts DROP COLUMN token_version;
