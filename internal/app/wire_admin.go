package app

import (
	"context"

	"github.com/gradphoto/gradphoto/internal/capturecode"
	"github.com/gradphoto/gradphoto/internal/collection"
	"github.com/gradphoto/gradphoto/internal/httpapi"
	"github.com/gradphoto/gradphoto/internal/notify"
	"github.com/gradphoto/gradphoto/internal/payment"
	"github.com/gradphoto/gradphoto/internal/roster"
	"github.com/gradphoto/gradphoto/internal/school"
	"github.com/gradphoto/gradphoto/internal/usecase"
)

// Compile-time checks of what the staff API is handed.
var (
	_ collection.PhotoCropper = (*photoChecker)(nil)
	_ collection.CodeOpener   = (*capturecode.Sealer)(nil)
	_ collection.Outbox       = (*notify.Outbox)(nil)
	_ roster.SchoolLevels     = schoolLevels{}
	_ usecase.Orders          = (*payment.Service)(nil)
	_ usecase.RefundRule      = (*collection.Staff)(nil)
)

// schoolLevels adapts internal/school to roster.SchoolLevels.
type schoolLevels struct{ schools *school.Service }

func (s schoolLevels) SchoolLevels(ctx context.Context, id string) ([]string, error) {
	sc, err := s.schools.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return sc.Levels(), nil
}

// wireAdmin builds the roster importer and the staff side of the collection service
// (with the delivery to 学信网: cropper is the app's one photo checker, its detector
// loaded once; codes opens the sealed 采集码 for the export manifests) for the staff API.
func (a *App) wireAdmin(cropper collection.PhotoCropper, codes collection.CodeOpener) *httpapi.AdminDeps {
	a.Importer = roster.NewImporter(a.Roster, schoolLevels{a.Schools}, a.Audit)
	a.Staff = collection.NewStaff(a.Collections, a.Audit, collection.Delivery{Codes: codes, Cropper: cropper, Outbox: a.Outbox})
	return &httpapi.AdminDeps{Staff: a.Staff, Importer: a.Importer, Trail: a.Audit}
}
