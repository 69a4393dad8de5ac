-- +goose Up
-- Season tools (issue 15).
-- A school may insist that the phone a student gives matches the roster's; by default
-- the phone is only the student's contact number.
ALTER TABLE schools ADD COLUMN match_phone BOOLEAN NOT NULL DEFAULT FALSE;
-- Staff accounts managed in the console: disabled ones cannot log in, and admins see
-- when each last did.
ALTER TABLE staff_accounts ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE staff_accounts ADD COLUMN last_login_at DATETIME(3) NULL;
-- Support freed the roster entry from its WeChat account: the old account no longer
-- sees the collection, and the next account that verifies as the student takes it over
-- (photo, order and review history stay with the collection).
ALTER TABLE collections ADD COLUMN unbound_at DATETIME(3) NULL;

-- +goose Down
ALTER TABLE collections DROP COLUMN unbound_at;
ALTER TABLE staff_accounts DROP COLUMN last_login_at;
ALTER TABLE staff_accounts DROP COLUMN disabled;
ALTER TABLE schools DROP COLUMN match_phone;
