-- +goose Up
-- The student accepted the review-result subscribe message in the mini-program.
ALTER TABLE collections ADD COLUMN subscribe_granted BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE collections DROP COLUMN subscribe_granted;
