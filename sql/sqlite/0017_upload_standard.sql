-- +goose Up
-- Each accepted upload names its standard photo, so that when a newer photo replaces it
-- the retention purge deletes the standard copy along with the original (a face photo
-- is personal data). NULL for uploads from before this column: their standard copy, if
-- any, is not known per upload and stays.
ALTER TABLE photo_uploads ADD COLUMN standard_sha256 CHAR(64) NULL;

-- +goose Down
ALTER TABLE photo_uploads DROP COLUMN standard_sha256;
