// Package dbtest opens migrated databases for tests: a fresh SQLite file per test,
// and, when GRADPHOTO_TEST_MYSQL_DSN is set, a fresh MySQL/MariaDB database per test
// on that server, dropped afterwards, so suites never share state.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"github.com/gradphoto/gradphoto/internal/config"
	"github.com/gradphoto/gradphoto/internal/db"
)

// EnvMySQL names the variable holding the test server's DSN.
const EnvMySQL = config.EnvTestMySQLDSN

// Discard is a logger for tests that do not look at logs.
func Discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// SQLite returns a migrated SQLite database in t.TempDir().
func SQLite(t testing.TB) *gorm.DB {
	t.Helper()
	ctx := context.Background()
	g, err := db.Open(ctx, "sqlite", filepath.Join(t.TempDir(), "test.db"), 0, Discard())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s, err := g.DB(); err == nil {
			s.Close()
		}
	})
	if err := db.Migrate(ctx, g, Discard()); err != nil {
		t.Fatal(err)
	}
	return g
}

// MySQLDSN creates a fresh database on the test server and returns its DSN; it skips
// the test, saying why, when EnvMySQL is unset.
func MySQLDSN(t testing.TB) string {
	t.Helper()
	base := config.TestMySQLDSN()
	if base == "" {
		t.Skipf("%s not set: MySQL suite skipped (CI sets it)", EnvMySQL)
	}
	cfg, err := mysql.ParseDSN(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvMySQL, err)
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := "gptest_" + hex.EncodeToString(b)
	admin := cfg.Clone()
	admin.DBName = ""
	conn, err := sql.Open("mysql", admin.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		c, err := sql.Open("mysql", admin.FormatDSN())
		if err == nil {
			_, _ = c.Exec("DROP DATABASE IF EXISTS " + name)
			c.Close()
		}
	})
	cfg.DBName = name
	return cfg.FormatDSN()
}

// MySQL returns a migrated fresh MySQL database (skips without EnvMySQL).
func MySQL(t testing.TB) *gorm.DB {
	t.Helper()
	ctx := context.Background()
	g, err := db.Open(ctx, "mysql", MySQLDSN(t), 0, Discard())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s, err := g.DB(); err == nil {
			s.Close()
		}
	})
	if err := db.Migrate(ctx, g, Discard()); err != nil {
		t.Fatal(err)
	}
	return g
}

// Each runs fn against SQLite and, when configured, MySQL, as subtests.
func Each(t *testing.T, fn func(t *testing.T, g *gorm.DB)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("mysql", func(t *testing.T) { fn(t, MySQL(t)) })
}
