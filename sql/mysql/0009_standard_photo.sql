-- +goose Up
-- The 480×640 standard photo cut from the accepted original (photo-spec "Standard crop"):
-- what the student previews, the reviewer judges and the school delivers to 学信网.
-- NULL for photos accepted before standardisation existed: they deliver the original.
ALTER TABLE collections ADD COLUMN photo_standard_sha256 CHAR(64) NULL;

-- +goose Down
ALTER TABLE collections DROP COLUMN photo_standard_sha256;
