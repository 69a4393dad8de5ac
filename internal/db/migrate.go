package db

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/pressly/goose/v3"
	"gorm.io/gorm"

	migrations "github.com/gradphoto/gradphoto/sql"
)

// Migrate applies every pending migration of the database's dialect, recorded in
// goose's version table. It is safe to run at every start.
func Migrate(ctx context.Context, g *gorm.DB, log *slog.Logger) error {
	dialect := Dialect(g)
	sub, err := fs.Sub(migrations.FS, dialect)
	if err != nil {
		return err
	}
	sqlDB, err := g.DB()
	if err != nil {
		return err
	}
	gooseDialect := goose.DialectSQLite3
	if dialect == "mysql" {
		gooseDialect = goose.DialectMySQL
	}
	p, err := goose.NewProvider(gooseDialect, sqlDB, sub, goose.WithTableName("schema_migrations"))
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, r := range results {
		log.InfoContext(ctx, "migration applied", "version", r.Source.Version, "file", r.Source.Path, "ms", r.Duration.Milliseconds())
	}
	return nil
}
