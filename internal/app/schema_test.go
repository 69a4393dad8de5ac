package app

import (
	"sort"
	"sync"
	"testing"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/gradphoto/gradphoto/internal/dbtest"
)

// TestSchemaMatchesModels proves that the SQL migrations (the production schema) and
// the GORM models agree, column for column and on nullability, on both databases.
func TestSchemaMatchesModels(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, g *gorm.DB) {
		for _, m := range Models() {
			s, err := schema.Parse(m, &sync.Map{}, g.NamingStrategy)
			if err != nil {
				t.Fatal(err)
			}
			t.Run(s.Table, func(t *testing.T) {
				if !g.Migrator().HasTable(s.Table) {
					t.Fatalf("table %s missing from the migrations", s.Table)
				}
				cols, err := g.Migrator().ColumnTypes(s.Table)
				if err != nil {
					t.Fatal(err)
				}
				inDB := map[string]gorm.ColumnType{}
				for _, c := range cols {
					inDB[c.Name()] = c
				}
				var modelCols []string
				for _, f := range s.Fields {
					if f.DBName == "" {
						continue
					}
					modelCols = append(modelCols, f.DBName)
					c, ok := inDB[f.DBName]
					if !ok {
						t.Errorf("model field %s.%s has no column", s.Table, f.DBName)
						continue
					}
					nullable, known := c.Nullable()
					pointer := f.FieldType.Kind().String() == "ptr"
					if known && !f.PrimaryKey && nullable != pointer {
						t.Errorf("%s.%s: column nullable=%v but model pointer=%v", s.Table, f.DBName, nullable, pointer)
					}
					delete(inDB, f.DBName)
				}
				var extra []string
				for name := range inDB {
					extra = append(extra, name)
				}
				sort.Strings(extra)
				if len(extra) > 0 {
					t.Errorf("columns of %s without a model field: %v", s.Table, extra)
				}
				if len(modelCols) == 0 {
					t.Errorf("model of %s has no columns", s.Table)
				}
			})
		}
	})
}
