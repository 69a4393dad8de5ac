// Package school owns schools: their names, aliases, education levels and price,
// and the in-memory search students use to find theirs ("石大", "upc", "zgsydx").
package school

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/db"
	"github.com/gradphoto/gradphoto/internal/ids"
)

// Levels a school may offer.
const (
	LevelBachelor = "本科"
	LevelJunior   = "专科"
)

var (
	ErrNotFound     = apperr.NotFound("school_not_found", "未找到该学校")
	ErrInvalid      = apperr.Invalid("school_invalid", "学校信息不完整或格式不正确")
	ErrLevelInvalid = apperr.Invalid("level_invalid", "请选择正确的学历层次（本科或专科）")
	ErrDuplicate    = apperr.Conflict("school_exists", "同名学校已存在")
)

// School is the GORM model of table schools.
type School struct {
	ID           string `gorm:"primaryKey;size:40"`
	Name         string `gorm:"size:128;not null"`
	Province     string `gorm:"size:32;not null"`
	AliasesJSON  string `gorm:"column:aliases;type:text;not null"`
	LevelsJSON   string `gorm:"column:levels;size:255;not null"`
	PriceFen     int64  `gorm:"column:price_fen;not null"`
	PhotoProfile string `gorm:"size:32;not null"`
	Active       bool   `gorm:"not null"`
	// MatchPhone: the phone a student gives must equal the roster's (off by default: the
	// phone is the student's contact number, WeChat-authorised).
	MatchPhone bool `gorm:"not null"`
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

func (School) TableName() string { return "schools" }

// Aliases decodes the aliases column.
func (s *School) Aliases() []string { return decodeList(s.AliasesJSON) }

// Levels decodes the levels column.
func (s *School) Levels() []string { return decodeList(s.LevelsJSON) }

// HasLevel reports whether the school offers level.
func (s *School) HasLevel(level string) bool {
	for _, l := range s.Levels() {
		if l == level {
			return true
		}
	}
	return false
}

func decodeList(s string) []string {
	var out []string
	if s == "" || json.Unmarshal([]byte(s), &out) != nil {
		return []string{}
	}
	return out
}

func encodeList(l []string) string {
	if l == nil {
		l = []string{}
	}
	b, _ := json.Marshal(l)
	return string(b)
}

// Models lists the package's GORM models (the schema test compares them with sql/).
func Models() []any { return []any{&School{}} }

// Input creates or changes a school. Nil fields of a patch stay as they are.
type Input struct {
	ID           *string   `json:"id"`
	Name         *string   `json:"name"`
	Province     *string   `json:"province"`
	Aliases      *[]string `json:"aliases"`
	Levels       *[]string `json:"levels"`
	PriceFen     *int64    `json:"price_fen"`
	PhotoProfile *string   `json:"photo_profile"`
	Active       *bool     `json:"active"`
	MatchPhone   *bool     `json:"match_phone"`
}

// Service manages schools and keeps the search index current.
type Service struct {
	db    *gorm.DB
	log   *slog.Logger
	now   func() time.Time
	index *index
	// profileKnown validates photo profile names (set by the app from the photo config).
	profileKnown func(string) bool
	mu           sync.Mutex
	loadedAt     time.Time
	refreshEvery time.Duration
}

// NewService builds the service; call Refresh before serving searches.
func NewService(g *gorm.DB, profileKnown func(string) bool, now func() time.Time, log *slog.Logger) *Service {
	if profileKnown == nil {
		profileKnown = func(string) bool { return true }
	}
	return &Service{db: g, log: log, now: now, index: newIndex(nil), profileKnown: profileKnown, refreshEvery: time.Minute}
}

// Refresh reloads the search index from the database. Other instances' changes
// arrive through the periodic refresh in Search.
func (s *Service) Refresh(ctx context.Context) error {
	var all []School
	if err := db.Conn(ctx, s.db).Where("active = ?", true).Order("name").Find(&all).Error; err != nil {
		return apperr.Internal(fmt.Errorf("school: load: %w", err))
	}
	idx := newIndex(all)
	s.mu.Lock()
	s.index = idx
	s.loadedAt = s.now()
	s.mu.Unlock()
	return nil
}

func (s *Service) currentIndex(ctx context.Context) *index {
	s.mu.Lock()
	idx, stale := s.index, s.now().Sub(s.loadedAt) > s.refreshEvery
	s.mu.Unlock()
	if stale {
		if err := s.Refresh(ctx); err != nil {
			s.log.WarnContext(ctx, "school index refresh failed; serving the previous one", "err", err)
		} else {
			s.mu.Lock()
			idx = s.index
			s.mu.Unlock()
		}
	}
	return idx
}

// Price is what a student pays, in fen: the school's price, or, without a school, the
// lowest of the listed schools' (the guide's "from … yuan").
func (s *Service) Price(ctx context.Context, schoolID string) (int64, error) {
	if schoolID != "" {
		sc, err := s.Get(ctx, schoolID)
		if err != nil {
			return 0, err
		}
		return sc.PriceFen, nil
	}
	var price int64
	for _, sc := range s.Search(ctx, "", 50) {
		if price == 0 || sc.PriceFen < price {
			price = sc.PriceFen
		}
	}
	return price, nil
}

// Search finds active schools for a query, best matches first. An empty query lists schools.
func (s *Service) Search(ctx context.Context, q string, limit int) []School {
	if limit <= 0 || limit > 50 {
		limit = 20
	}
	return s.currentIndex(ctx).search(q, limit)
}

// Get returns a school by id (active or not).
func (s *Service) Get(ctx context.Context, id string) (*School, error) {
	var sc School
	err := db.Conn(ctx, s.db).Where("id = ?", id).Take(&sc).Error
	if db.IsNotFound(err) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, apperr.Internal(err)
	}
	return &sc, nil
}

// Lookup returns a school for display (name, levels) from the in-memory index, which
// may be up to a minute behind another instance's change; it falls back to the database
// for schools the index does not hold. Prices and rules use Get.
func (s *Service) Lookup(ctx context.Context, id string) (*School, error) {
	if sc, ok := s.currentIndex(ctx).byID[id]; ok {
		cp := *sc
		return &cp, nil
	}
	return s.Get(ctx, id)
}

// Create adds a school. ID defaults to a generated one.
func (s *Service) Create(ctx context.Context, in Input) (*School, error) {
	sc := &School{Active: true, PhotoProfile: "", AliasesJSON: "[]", LevelsJSON: encodeList([]string{LevelBachelor, LevelJunior})}
	if in.ID != nil {
		sc.ID = strings.TrimSpace(*in.ID)
	}
	if sc.ID == "" {
		sc.ID = ids.New("s_", 10)
	}
	if in.Name == nil || in.PriceFen == nil {
		return nil, ErrInvalid.WithDetails(map[string]any{"required": []string{"name", "price_fen"}})
	}
	if err := s.apply(sc, in); err != nil {
		return nil, err
	}
	now := s.now()
	sc.CreatedAt, sc.UpdatedAt = now, now
	err := db.Conn(ctx, s.db).Create(sc).Error
	if db.IsDuplicate(err) {
		return nil, ErrDuplicate
	}
	if err != nil {
		return nil, apperr.Internal(err)
	}
	return sc, s.Refresh(ctx)
}

// Update changes the given fields of a school.
func (s *Service) Update(ctx context.Context, id string, in Input) (*School, error) {
	var out *School
	err := db.Tx(ctx, s.db, func(ctx context.Context) error {
		sc, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		if err := s.apply(sc, in); err != nil {
			return err
		}
		sc.UpdatedAt = s.now()
		err = db.Conn(ctx, s.db).Save(sc).Error
		if db.IsDuplicate(err) {
			return ErrDuplicate
		}
		if err != nil {
			return apperr.Internal(err)
		}
		out = sc
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, s.Refresh(ctx)
}

// Upsert creates the school or brings it to the input (seed data).
func (s *Service) Upsert(ctx context.Context, in Input) (*School, error) {
	if in.ID != nil {
		if _, err := s.Get(ctx, *in.ID); err == nil {
			return s.Update(ctx, *in.ID, in)
		}
	}
	return s.Create(ctx, in)
}

func (s *Service) apply(sc *School, in Input) error {
	bad := func(field, msg string) error {
		return ErrInvalid.WithMessage(msg).WithDetails(map[string]any{"field": field})
	}
	if in.Name != nil {
		name := strings.TrimSpace(*in.Name)
		if name == "" || utf8.RuneCountInString(name) > 64 {
			return bad("name", "学校名称不能为空且不超过64个字")
		}
		sc.Name = name
	}
	if in.Province != nil {
		if utf8.RuneCountInString(*in.Province) > 16 {
			return bad("province", "省份不超过16个字")
		}
		sc.Province = strings.TrimSpace(*in.Province)
	}
	if in.Aliases != nil {
		var clean []string
		for _, a := range *in.Aliases {
			a = strings.TrimSpace(a)
			if a == "" {
				continue
			}
			if utf8.RuneCountInString(a) > 32 {
				return bad("aliases", "别名不超过32个字")
			}
			clean = append(clean, a)
		}
		if len(clean) > 20 {
			return bad("aliases", "别名最多20个")
		}
		sc.AliasesJSON = encodeList(clean)
	}
	if in.Levels != nil {
		if len(*in.Levels) == 0 {
			return bad("levels", "至少需要一个学历层次")
		}
		seen := map[string]bool{}
		var clean []string
		for _, l := range *in.Levels {
			if l != LevelBachelor && l != LevelJunior {
				return bad("levels", "学历层次只能是本科或专科")
			}
			if !seen[l] {
				seen[l] = true
				clean = append(clean, l)
			}
		}
		sc.LevelsJSON = encodeList(clean)
	}
	if in.PriceFen != nil {
		if *in.PriceFen <= 0 || *in.PriceFen > 100000 {
			return bad("price_fen", "价格须在1分至1000元之间")
		}
		sc.PriceFen = *in.PriceFen
	}
	if in.PhotoProfile != nil {
		if *in.PhotoProfile != "" && !s.profileKnown(*in.PhotoProfile) {
			return bad("photo_profile", "照片标准配置不存在")
		}
		sc.PhotoProfile = *in.PhotoProfile
	}
	if in.Active != nil {
		sc.Active = *in.Active
	}
	if in.MatchPhone != nil {
		sc.MatchPhone = *in.MatchPhone
	}
	return nil
}
