// Package db opens the database (embedded SQLite by default, MySQL/MariaDB in
// production) through GORM, applies the versioned SQL schema in sql/, and carries
// transactions through context so that services of different packages can share one.
package db

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	gomysql "github.com/go-sql-driver/mysql"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Timeouts are MySQL's network timeouts: dialling, and one read or one write on an
// open connection. Without them a stalled server (packets dropped, process frozen)
// hangs every query that has no deadline of its own for as long as the kernel waits.
type Timeouts struct {
	Connect, Read, Write time.Duration
}

// DefaultTimeouts apply when Open gets none.
var DefaultTimeouts = Timeouts{Connect: 5 * time.Second, Read: 30 * time.Second, Write: 30 * time.Second}

// Open connects to the database named by driver and dsn. For MySQL, the timeouts
// (DefaultTimeouts when not given) fill what the DSN does not set itself.
func Open(ctx context.Context, driver, dsn string, maxOpen int, log *slog.Logger, timeouts ...Timeouts) (*gorm.DB, error) {
	to := DefaultTimeouts
	if len(timeouts) > 0 {
		to = timeouts[0]
	}
	gcfg := &gorm.Config{
		Logger:                 logger.Discard, // SQL carries personal data; errors are logged by callers
		NowFunc:                func() time.Time { return time.Now().UTC().Truncate(time.Millisecond) },
		SkipDefaultTransaction: true,
		TranslateError:         true,
	}
	var dial gorm.Dialector
	switch driver {
	case "sqlite":
		if dir := filepath.Dir(dsn); dir != "" && dsn != ":memory:" {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("db: create %s: %w", dir, err)
			}
		}
		// WAL lets readers run beside the writer; IMMEDIATE transactions take the write
		// lock at BEGIN so that two writers queue on busy_timeout instead of deadlocking.
		dial = sqlite.Open(sqliteDSN(dsn))
	case "mysql":
		full, err := mysqlDSN(dsn, to)
		if err != nil {
			return nil, err
		}
		dial = mysql.Open(full)
	default:
		return nil, fmt.Errorf("db: unknown driver %q", driver)
	}
	g, err := gorm.Open(dial, gcfg)
	if err != nil {
		return nil, fmt.Errorf("db: open %s: %w", driver, err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, err
	}
	if maxOpen <= 0 {
		maxOpen = 20
		if driver == "sqlite" {
			maxOpen = 4
		}
	}
	sqlDB.SetMaxOpenConns(maxOpen)
	sqlDB.SetMaxIdleConns(maxOpen)
	sqlDB.SetConnMaxLifetime(30 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("db: ping %s: %w", driver, err)
	}
	log.InfoContext(ctx, "database open", "driver", driver)
	return g, nil
}

func sqliteDSN(path string) string {
	if strings.Contains(path, "?") {
		return path
	}
	return path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate&_time_format=sqlite"
}

// mysqlDSN completes a DSN: UTC times parsed into time.Time, utf8mb4, and the network
// timeouts, each only where the DSN does not say otherwise.
func mysqlDSN(dsn string, to Timeouts) (string, error) {
	cfg, err := gomysql.ParseDSN(dsn)
	if err != nil {
		return "", fmt.Errorf("db: mysql dsn: %w", err)
	}
	var params []string
	if !strings.Contains(dsn, "parseTime") {
		params = append(params, "parseTime=true", "loc=UTC", "charset=utf8mb4")
	}
	if cfg.Timeout == 0 {
		params = append(params, "timeout="+to.Connect.String())
	}
	if cfg.ReadTimeout == 0 {
		params = append(params, "readTimeout="+to.Read.String())
	}
	if cfg.WriteTimeout == 0 {
		params = append(params, "writeTimeout="+to.Write.String())
	}
	if len(params) == 0 {
		return dsn, nil
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + strings.Join(params, "&"), nil
}

// Dialect reports "sqlite" or "mysql" for g.
func Dialect(g *gorm.DB) string {
	if g.Dialector.Name() == "mysql" {
		return "mysql"
	}
	return "sqlite"
}

type txKey struct{}

// Conn returns the transaction carried by ctx, or g bound to ctx. Every store uses it,
// so a service can run calls of several packages in one transaction with Tx.
func Conn(ctx context.Context, g *gorm.DB) *gorm.DB {
	if tx, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return tx.WithContext(ctx)
	}
	return g.WithContext(ctx)
}

// InTx reports whether ctx carries a transaction.
func InTx(ctx context.Context) bool {
	_, ok := ctx.Value(txKey{}).(*gorm.DB)
	return ok
}

// Tx runs fn in a transaction (or inside the one ctx already carries).
func Tx(ctx context.Context, g *gorm.DB, fn func(ctx context.Context) error) error {
	if InTx(ctx) {
		return fn(ctx)
	}
	return g.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if Dialect(tx) == "sqlite" {
			takeSQLiteWriteLock(tx)
		}
		return fn(context.WithValue(ctx, txKey{}, tx))
	})
}

// takeSQLiteWriteLock makes the transaction a writer from its first statement.
// glebarez/go-sqlite v1.21.2 ignores _txlock when _time_format is also set (its
// applyQueryParams returns after _time_format), so BEGIN is DEFERRED; a deferred
// transaction that reads and then writes gets SQLITE_BUSY at once, without waiting on
// busy_timeout, when another writer committed in between. A write that touches no row
// takes the lock at the start, and busy_timeout applies. Before migrations the table
// is missing: the error is ignored and the transaction stays deferred.
func takeSQLiteWriteLock(tx *gorm.DB) {
	_ = tx.Exec("UPDATE schema_migrations SET version_id = version_id WHERE 1 = 0").Error
}

// ForUpdate adds a row lock on MySQL (SELECT ... FOR UPDATE); SQLite's IMMEDIATE
// transactions already hold the database write lock.
func ForUpdate(q *gorm.DB) *gorm.DB {
	if Dialect(q) == "mysql" {
		return q.Clauses(lockingClause("UPDATE", ""))
	}
	return q
}

// SkipLocked is ForUpdate with SKIP LOCKED, for job queues shared by several instances.
func SkipLocked(q *gorm.DB) *gorm.DB {
	if Dialect(q) == "mysql" {
		return q.Clauses(lockingClause("UPDATE", "SKIP LOCKED"))
	}
	return q
}

// IsNotFound reports gorm's record-not-found.
func IsNotFound(err error) bool { return errors.Is(err, gorm.ErrRecordNotFound) }

// IsDuplicate reports a unique-constraint violation on either database.
func IsDuplicate(err error) bool {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return true
	}
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "Duplicate entry")
}

// Ping checks the database (readiness).
func Ping(ctx context.Context, g *gorm.DB) error {
	sqlDB, err := g.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}
