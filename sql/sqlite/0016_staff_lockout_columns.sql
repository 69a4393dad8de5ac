-- +goose Up
-- Staff login is throttled per client address and per (address, account) in memory
-- (internal/httpapi/ratelimit.go); an account is never locked for everyone, so the
-- per-account lockout counters of 0001 are gone.
ALTER TABLE staff_accounts DROP COLUMN failed_logins;
ALTER TABLE staff_accounts DROP COLUMN locked_until;

-- +goose Down
ALTER TABLE staff_accounts ADD COLUMN failed_logins INT NOT NULL DEFAULT 0;
ALTER TABLE staff_accounts ADD COLUMN locked_until DATETIME NULL;
