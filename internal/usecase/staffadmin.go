package usecase

import (
	"context"
	"strconv"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/audit"
	"github.com/gradphoto/gradphoto/internal/auth"
	"github.com/gradphoto/gradphoto/internal/db"
)

// StaffAdmin is what an admin does to staff accounts. Password hashes never leave auth
// through here: callers get accounts and render what they choose.
type StaffAdmin struct{ d Deps }

// ErrSelfLockout refuses an admin taking away their own admin rights or account: the
// last admin could otherwise lock everyone out of the console.
var ErrSelfLockout = apperr.Conflict("staff_self_lockout", "不能停用自己的账号或取消自己的管理员角色")

// List returns every staff account.
func (u *StaffAdmin) List(ctx context.Context, who audit.Actor) ([]auth.StaffAccount, error) {
	if err := requireRole(who); err != nil {
		return nil, err
	}
	return u.d.Auth.ListStaff(ctx)
}

// checkSchool makes a school administrator's school a real one.
func (u *StaffAdmin) checkSchool(ctx context.Context, schoolID string) error {
	if schoolID == "" {
		return nil
	}
	if _, err := u.d.Schools.Get(ctx, schoolID); err != nil {
		return apperr.Invalid("school_not_found", "学校不存在").WithDetails(map[string]any{"field": "school_id"})
	}
	return nil
}

// Create opens an account; created and audited in one transaction.
func (u *StaffAdmin) Create(ctx context.Context, who audit.Actor, in auth.StaffInput) (*auth.StaffAccount, error) {
	if err := requireRole(who); err != nil {
		return nil, err
	}
	if err := u.checkSchool(ctx, in.SchoolID); err != nil {
		return nil, err
	}
	var acc *auth.StaffAccount
	err := db.Tx(ctx, u.d.DB, func(ctx context.Context) error {
		var err error
		if acc, err = u.d.Auth.CreateStaff(ctx, in); err != nil {
			return err
		}
		return u.d.Trail.Record(ctx, who, audit.ActionStaffCreate, acc.Username, map[string]any{"id": acc.ID, "role": acc.Role, "school_id": in.SchoolID})
	})
	if err != nil {
		return nil, apperr.As(err)
	}
	return acc, nil
}

// Update changes an account's role, school, disabled flag or password; any change ends
// its sessions. Changed and audited (the fields, never the password) in one transaction.
func (u *StaffAdmin) Update(ctx context.Context, who audit.Actor, id int64, p auth.StaffPatch) (*auth.StaffAccount, error) {
	if err := requireRole(who); err != nil {
		return nil, err
	}
	if p.SchoolID != nil {
		if err := u.checkSchool(ctx, *p.SchoolID); err != nil {
			return nil, err
		}
	}
	var acc *auth.StaffAccount
	err := db.Tx(ctx, u.d.DB, func(ctx context.Context) error {
		before, err := u.d.Auth.StaffByID(ctx, id)
		if err != nil {
			return err
		}
		if before.Username == who.Username && ((p.Disabled != nil && *p.Disabled) || (p.Role != nil && *p.Role != auth.RoleAdmin)) {
			return ErrSelfLockout
		}
		var changed []string
		if acc, changed, err = u.d.Auth.UpdateStaff(ctx, id, p); err != nil {
			return err
		}
		if len(changed) == 0 {
			return nil
		}
		return u.d.Trail.Record(ctx, who, audit.ActionStaffUpdate, acc.Username, map[string]any{
			"id": strconv.FormatInt(acc.ID, 10), "changed": changed, "role": acc.Role, "disabled": acc.Disabled})
	})
	if err != nil {
		return nil, apperr.As(err)
	}
	return acc, nil
}
