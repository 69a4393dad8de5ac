package auth

import (
	"context"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/db"
)

// Errors of staff account management.
var (
	ErrStaffNotFound = apperr.NotFound("staff_not_found", "未找到该员工账号")
	ErrStaffExists   = apperr.Conflict("staff_exists", "该用户名已被使用")
)

// ListStaff returns every staff account, by username.
func (s *Service) ListStaff(ctx context.Context) ([]StaffAccount, error) {
	var out []StaffAccount
	if err := db.Conn(ctx, s.db).Order("username").Limit(1000).Find(&out).Error; err != nil {
		return nil, apperr.Internal(err)
	}
	return out, nil
}

// StaffByID returns one account.
func (s *Service) StaffByID(ctx context.Context, id int64) (*StaffAccount, error) {
	var acc StaffAccount
	err := db.Conn(ctx, s.db).Where("id = ?", id).Take(&acc).Error
	if db.IsNotFound(err) {
		return nil, ErrStaffNotFound
	}
	if err != nil {
		return nil, apperr.Internal(err)
	}
	return &acc, nil
}

func validUsername(u string) error {
	if u == "" || len(u) > 64 || strings.ContainsAny(u, " \t\r\n") {
		return apperr.Invalid("username_invalid", "用户名不能为空、不含空格且不超过64个字符").WithDetails(map[string]any{"field": "username"})
	}
	return nil
}

func validPassword(p string) error {
	if len(p) < 8 || len(p) > 72 {
		return apperr.Invalid("password_invalid", "密码长度须为8至72个字符").WithDetails(map[string]any{"field": "password"})
	}
	return nil
}

func validScope(role, schoolID string) error {
	if !ValidRole(role) {
		return apperr.Invalid("role_invalid", "角色只能是 admin、school_admin、reviewer 或 support").WithDetails(map[string]any{"field": "role"})
	}
	if (role == RoleSchoolAdmin) != (schoolID != "") {
		return apperr.Invalid("school_scope_invalid", "学校管理员必须指定学校，其他角色不能指定学校").WithDetails(map[string]any{"field": "school_id"})
	}
	return nil
}

// CreateStaff opens a new account; an existing username is a conflict (UpsertStaff is
// the command line's create-or-reset).
func (s *Service) CreateStaff(ctx context.Context, in StaffInput) (*StaffAccount, error) {
	in.Username = strings.TrimSpace(in.Username)
	if err := validUsername(in.Username); err != nil {
		return nil, err
	}
	if err := validPassword(in.Password); err != nil {
		return nil, err
	}
	if err := validScope(in.Role, in.SchoolID); err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(in.Password), bcrypt.DefaultCost)
	if err != nil {
		return nil, apperr.Internal(err)
	}
	now := s.now()
	acc := StaffAccount{Username: in.Username, PasswordHash: string(hash), Role: in.Role, CreatedAt: now, UpdatedAt: now}
	if in.SchoolID != "" {
		acc.SchoolID = &in.SchoolID
	}
	if err := db.Conn(ctx, s.db).Create(&acc).Error; err != nil {
		if db.IsDuplicate(err) {
			return nil, ErrStaffExists
		}
		return nil, apperr.Internal(err)
	}
	return &acc, nil
}

// StaffPatch changes an account; nil fields stay as they are.
type StaffPatch struct {
	Role     *string
	SchoolID *string // "" clears it
	Disabled *bool
	Password *string
}

// UpdateStaff applies a patch. Any change of password, role, school or a disabling
// ends the account's sessions (token_version); it reports which fields changed.
func (s *Service) UpdateStaff(ctx context.Context, id int64, p StaffPatch) (*StaffAccount, []string, error) {
	var hash []byte
	if p.Password != nil {
		if err := validPassword(*p.Password); err != nil {
			return nil, nil, err
		}
		var err error
		if hash, err = bcrypt.GenerateFromPassword([]byte(*p.Password), bcrypt.DefaultCost); err != nil {
			return nil, nil, apperr.Internal(err)
		}
	}
	var acc StaffAccount
	var changed []string
	err := db.Tx(ctx, s.db, func(ctx context.Context) error {
		err := db.ForUpdate(db.Conn(ctx, s.db)).Where("id = ?", id).Take(&acc).Error
		if db.IsNotFound(err) {
			return ErrStaffNotFound
		}
		if err != nil {
			return apperr.Internal(err)
		}
		role, school := acc.Role, ""
		if acc.SchoolID != nil {
			school = *acc.SchoolID
		}
		if p.Role != nil && *p.Role != role {
			role = *p.Role
			changed = append(changed, "role")
			if role != RoleSchoolAdmin && p.SchoolID == nil {
				school = "" // leaving the school_admin role leaves the school
			}
		}
		if p.SchoolID != nil && *p.SchoolID != school {
			school = *p.SchoolID
			changed = append(changed, "school_id")
		}
		if err := validScope(role, school); err != nil {
			return err
		}
		acc.Role, acc.SchoolID = role, nil
		if school != "" {
			acc.SchoolID = &school
		}
		if p.Disabled != nil && *p.Disabled != acc.Disabled {
			acc.Disabled = *p.Disabled
			changed = append(changed, "disabled")
		}
		if hash != nil {
			acc.PasswordHash = string(hash)
			changed = append(changed, "password")
		}
		if len(changed) == 0 {
			return nil
		}
		acc.TokenVersion++ // the old sessions end: new password, new rights, or none at all
		acc.UpdatedAt = s.now()
		return db.Conn(ctx, s.db).Save(&acc).Error
	})
	if err != nil {
		return nil, nil, apperr.As(err)
	}
	return &acc, changed, nil
}
