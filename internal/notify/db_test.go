package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"github.com/gradphoto/gradphoto/internal/db"
)

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// eachDB runs fn on a fresh SQLite database, and on a fresh MySQL database of its own
// when GRADPHOTO_TEST_MYSQL_DSN names a server (dropped afterwards: the server is shared).
func eachDB(t *testing.T, fn func(t *testing.T, g *gorm.DB)) {
	t.Run("sqlite", func(t *testing.T) {
		fn(t, openSQLite(t))
	})
	if dsn := os.Getenv("GRADPHOTO_TEST_MYSQL_DSN"); dsn != "" {
		t.Run("mysql", func(t *testing.T) {
			fn(t, openMySQL(t, dsn))
		})
	}
}

func openSQLite(t testing.TB) *gorm.DB {
	t.Helper()
	ctx := context.Background()
	g, err := db.Open(ctx, "sqlite", filepath.Join(t.TempDir(), "test.db"), 0, discardLog())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s, err := g.DB(); err == nil {
			_ = s.Close()
		}
	})
	if err := db.Migrate(ctx, g, discardLog()); err != nil {
		t.Fatal(err)
	}
	return g
}

func openMySQL(t testing.TB, dsn string) *gorm.DB {
	t.Helper()
	ctx := context.Background()
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("GRADPHOTO_TEST_MYSQL_DSN: %v", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "gradphoto_test_rev_" + hex.EncodeToString(b[:])
	cfg.DBName = ""
	admin, err := db.Open(ctx, "mysql", cfg.FormatDSN(), 2, discardLog())
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin").Error; err != nil {
		t.Fatal(err)
	}
	cfg.DBName = name
	g, err := db.Open(ctx, "mysql", cfg.FormatDSN(), 8, discardLog())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s, err := g.DB(); err == nil {
			_ = s.Close()
		}
		_ = admin.Exec("DROP DATABASE IF EXISTS " + name).Error
		if s, err := admin.DB(); err == nil {
			_ = s.Close()
		}
	})
	if err := db.Migrate(ctx, g, discardLog()); err != nil {
		t.Fatal(err)
	}
	return g
}
