package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/gradphoto/gradphoto/internal/auth"
	"github.com/gradphoto/gradphoto/internal/roster"
	"github.com/gradphoto/gradphoto/internal/school"
)

// Demo data ids, used by the README walk-through and the end-to-end tests.
const (
	DemoSchoolID      = "upc-east"
	DemoOtherSchool   = "upc-beijing"
	DemoStaffPassword = "gradphoto-demo"
)

// SeedDemo loads the demo schools, roster and staff accounts. It is idempotent and
// exists only as a command: no configuration creates these accounts.
func (a *App) SeedDemo(ctx context.Context) error {
	p := func(s string) *string { return &s }
	price := func(n int64) *int64 { return &n }
	list := func(l ...string) *[]string { return &l }
	schools := []school.Input{
		{ID: p(DemoSchoolID), Name: p("中国石油大学（华东）"), Province: p("山东"), Aliases: list("石大", "中石大", "UPC"),
			Levels: list(school.LevelBachelor, school.LevelJunior), PriceFen: price(2000)},
		{ID: p(DemoOtherSchool), Name: p("中国石油大学（北京）"), Province: p("北京"), Aliases: list("石大北京", "CUP"),
			Levels: list(school.LevelBachelor, school.LevelJunior), PriceFen: price(2000)},
	}
	for _, in := range schools {
		if _, err := a.Schools.Upsert(ctx, in); err != nil {
			return fmt.Errorf("seed school: %w", err)
		}
	}
	rows := []roster.Row{
		{StudentNo: "2019010001", Name: "张三", Level: school.LevelBachelor, Phone: "13800000001"},
		{StudentNo: "2019010002", Name: "李四", Level: school.LevelBachelor, Phone: "13800000002"},
		{StudentNo: "2020020003", Name: "王五", Level: school.LevelJunior, Phone: "13800000003"},
		{StudentNo: "2019010004", Name: "赵六", Level: school.LevelBachelor, Phone: "13800000004", HasCHSIPhoto: true},
		{StudentNo: "2019010005", Name: "阿依古丽·买买提", Level: school.LevelBachelor, Phone: "13800000005"},
	}
	given := []string{"陈", "刘", "杨", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高"}
	for i, g := range given {
		level := school.LevelBachelor
		no := fmt.Sprintf("20190101%02d", i+10)
		if i%4 == 3 {
			level = school.LevelJunior
			no = fmt.Sprintf("20200200%02d", i+10)
		}
		rows = append(rows, roster.Row{StudentNo: no, Name: g + "同学", Level: level, Phone: fmt.Sprintf("139000000%02d", i+10)})
	}
	if _, _, err := a.Roster.Upsert(ctx, DemoSchoolID, rows); err != nil {
		return fmt.Errorf("seed roster: %w", err)
	}
	other := []roster.Row{
		{StudentNo: "2019990001", Name: "钱七", Level: school.LevelBachelor, Phone: "13700000001"},
		{StudentNo: "2019990002", Name: "孙八", Level: school.LevelBachelor, Phone: "13700000002"},
	}
	if _, _, err := a.Roster.Upsert(ctx, DemoOtherSchool, other); err != nil {
		return fmt.Errorf("seed roster: %w", err)
	}
	staff := []auth.StaffInput{
		{Username: "admin", Role: auth.RoleAdmin},
		{Username: "school_admin", Role: auth.RoleSchoolAdmin, SchoolID: DemoSchoolID},
		{Username: "school_admin_bj", Role: auth.RoleSchoolAdmin, SchoolID: DemoOtherSchool},
		{Username: "reviewer", Role: auth.RoleReviewer},
		{Username: "reviewer2", Role: auth.RoleReviewer},
		{Username: "support", Role: auth.RoleSupport},
	}
	for _, st := range staff {
		st.Password = DemoStaffPassword
		if _, err := a.Auth.UpsertStaff(ctx, st); err != nil {
			return fmt.Errorf("seed staff %s: %w", st.Username, err)
		}
	}
	a.Log.InfoContext(ctx, "demo data loaded", "schools", len(schools), "students", len(rows)+len(other), "staff", len(staff))
	return nil
}

// DemoStudent is a roster student made for one run of the printed walk-through.
type DemoStudent struct {
	WeChatName string // the sandbox WeChat user (wx.login name, openid sandbox-<name>) nobody used before
	Name       string
	StudentNo  string
	Phone      string
	Level      string
}

// ErrNoDemoData: the walk-through needs the demo school (seed-demo) and the sandbox.
var ErrNoDemoData = errors.New("the walk-through needs the sandbox and the demo data: run `gradphoto seed-demo` first (`make run` does)")

// NewDemoStudent adds a fresh student to the demo school's roster, so that each run of
// the walk-through verifies, pays and gets approved a collection of its own (and reads
// only its own SMS) however often it is run on the same data.
func (a *App) NewDemoStudent(ctx context.Context) (*DemoStudent, error) {
	if !a.Config.Sandbox() {
		return nil, ErrNoDemoData
	}
	if _, err := a.Schools.Get(ctx, DemoSchoolID); err != nil {
		return nil, ErrNoDemoData
	}
	n := a.now().UnixMilli() % 100_000_000 // 8 digits: a new number each run
	st := &DemoStudent{
		WeChatName: fmt.Sprintf("walkthrough-%d", n), Name: "演示同学", StudentNo: fmt.Sprintf("DEMO%08d", n),
		Phone: fmt.Sprintf("166%08d", n), Level: school.LevelBachelor,
	}
	row := roster.Row{StudentNo: st.StudentNo, Name: st.Name, Level: st.Level, Phone: st.Phone}
	if _, _, err := a.Roster.Upsert(ctx, DemoSchoolID, []roster.Row{row}); err != nil {
		return nil, fmt.Errorf("walk-through student: %w", err)
	}
	return st, nil
}
