-- +goose Up
-- Where the checks found the face, pupils, eye line and head top, for the reviewer's overlay.
ALTER TABLE collections ADD COLUMN photo_geometry TEXT NULL;

-- +goose Down
ALTER TABLE collections DROP COLUMN photo_geometry;
