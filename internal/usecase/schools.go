package usecase

import (
	"context"
	"sort"
	"strings"

	"github.com/gradphoto/gradphoto/internal/audit"
	"github.com/gradphoto/gradphoto/internal/school"
)

// Schools is what an admin does to the schools: create and change them, each change in
// the audit trail with the fields it set.
type Schools struct{ d Deps }

// Create adds a school. Its id becomes part of URLs: at most 40 characters, none of
// space / ? # %.
func (u *Schools) Create(ctx context.Context, who audit.Actor, in school.Input) (*school.School, error) {
	if err := requireRole(who); err != nil {
		return nil, err
	}
	if in.ID != nil && (len(*in.ID) > 40 || strings.ContainsAny(*in.ID, "/?#% ")) {
		return nil, school.ErrInvalid.WithMessage("学校编号不超过40个字符，且不含空格和 / ? # %")
	}
	sc, err := u.d.Schools.Create(ctx, in)
	if err != nil {
		return nil, err
	}
	u.d.Trail.RecordBestEffort(ctx, who, audit.ActionSchoolCreate, sc.ID, map[string]any{"fields": schoolChanges(in)})
	return sc, nil
}

// Update changes the fields in sets; a school's id never changes.
func (u *Schools) Update(ctx context.Context, who audit.Actor, id string, in school.Input) (*school.School, error) {
	if err := requireRole(who); err != nil {
		return nil, err
	}
	if in.ID != nil && *in.ID != id {
		return nil, school.ErrInvalid.WithMessage("学校编号不能修改")
	}
	sc, err := u.d.Schools.Update(ctx, id, in)
	if err != nil {
		return nil, err
	}
	u.d.Trail.RecordBestEffort(ctx, who, audit.ActionSchoolUpdate, sc.ID, map[string]any{"fields": schoolChanges(in)})
	return sc, nil
}

// schoolChanges lists the fields a school request set, for the audit trail.
func schoolChanges(in school.Input) []string {
	var f []string
	for name, set := range map[string]bool{"id": in.ID != nil, "name": in.Name != nil, "province": in.Province != nil,
		"aliases": in.Aliases != nil, "levels": in.Levels != nil, "price_fen": in.PriceFen != nil,
		"photo_profile": in.PhotoProfile != nil, "active": in.Active != nil, "match_phone": in.MatchPhone != nil} {
		if set {
			f = append(f, name)
		}
	}
	sort.Strings(f)
	return f
}
