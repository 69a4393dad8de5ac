// Package migrations embeds the production schema: sql/mysql for MySQL/MariaDB and
// sql/sqlite for the embedded database, the same numbered files in each dialect.
// internal/db applies them with goose.
package migrations

import "embed"

// FS holds mysql/*.sql and sqlite/*.sql.
//
//go:embed mysql/*.sql sqlite/*.sql
var FS embed.FS
