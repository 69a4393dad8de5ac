package review

import (
	"log/slog"
	"testing"

	"gorm.io/gorm"

	"github.com/gradphoto/gradphoto/internal/dbtest"
)

func discardLog() *slog.Logger { return dbtest.Discard() }

// eachDB runs fn on a fresh SQLite database and, when GRADPHOTO_TEST_MYSQL_DSN names a
// server, on a fresh MySQL database of its own.
func eachDB(t *testing.T, fn func(t *testing.T, g *gorm.DB)) { dbtest.Each(t, fn) }

func openSQLite(t testing.TB) *gorm.DB { return dbtest.SQLite(t) }
