package roster

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/gradphoto/gradphoto/internal/apperr"
)

var bothLevels = []string{"本科", "专科"}

func gb18030(t testing.TB, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(b, []byte(s)) {
		t.Fatal("encoding did not change the text: the test would prove nothing")
	}
	return b
}

// xlsx builds a workbook whose first sheet holds cells (nil = leave the cell empty;
// ints are stored as numbers, as Excel does with a 学号 typed into a General cell).
func xlsx(t testing.TB, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, row := range rows {
		for j, v := range row {
			if v == nil {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if err := f.SetCellValue("Sheet1", cell, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestParseRosterFormats(t *testing.T) {
	const text = "姓名,学号,层次,手机号,已有学信网照片\n张三,2019010001,本科,13800000001,否\n李四,2019010002,专科,,是\n"
	want := []Row{
		{Name: "张三", StudentNo: "2019010001", Level: "本科", Phone: "13800000001"},
		{Name: "李四", StudentNo: "2019010002", Level: "专科", HasCHSIPhoto: true},
	}
	cases := []struct {
		name, file string
		data       []byte
	}{
		{"utf-8", "r.csv", []byte(text)},
		{"utf-8 with BOM", "r.csv", append([]byte("\xef\xbb\xbf"), text...)},
		{"gb18030 as Excel saves it", "r.csv", gb18030(t, text)},
		{"crlf line ends", "r.csv", bytes.ReplaceAll([]byte(text), []byte("\n"), []byte("\r\n"))},
		{"xlsx with numeric cells", "r.xlsx", xlsx(t, [][]any{
			{"姓名", "学号", "层次", "手机号", "已有学信网照片"},
			{"张三", 2019010001, "本科", 13800000001, "否"},
			{"李四", "2019010002", "专科", nil, "是"},
		})},
		{"xlsx named .bin is still xlsx", "upload.bin", xlsx(t, [][]any{
			{"姓名", "学号", "层次", "手机号", "已有学信网照片"},
			{"张三", "2019010001", "本科", "13800000001", "否"},
			{"李四", "2019010002", "专科", "", "是"},
		})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParseRoster(tc.file, tc.data, bothLevels)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Errors) != 0 {
				t.Fatalf("errors: %+v", p.Errors)
			}
			if !reflect.DeepEqual(p.Rows, want) {
				t.Fatalf("rows %+v, want %+v", p.Rows, want)
			}
			if !reflect.DeepEqual(p.RowNums, []int{2, 3}) {
				t.Fatalf("row numbers %v", p.RowNums)
			}
		})
	}
}

func TestParseRosterLooseHeaders(t *testing.T) {
	cases := []struct {
		name, header string
	}{
		{"canonical", "姓名,学号,层次,手机号,已有学信网照片"},
		{"spaces and full-width", " 姓 名 ,学　号,学历层次（本/专）,手机,是否已有学信网照片"},
		{"synonyms and remarks", "学生姓名,学生学号,培养层次,联系电话(选填),学信网照片"},
		{"other order and extra columns", "序号,手机号码,学历,学院,学号*,姓名*,学信网已有照片"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cols, err := mapHeader(splitCSV(tc.header))
			if err != nil {
				t.Fatal(err)
			}
			for c, i := range cols {
				if i < 0 {
					t.Errorf("column %s not found in %q", columnLabels[c], tc.header)
				}
			}
		})
	}
	t.Run("missing required columns are named", func(t *testing.T) {
		_, err := ParseRoster("r.csv", []byte("名字,电话\n张三,13800000001\n"), bothLevels)
		if !errors.Is(err, ErrImportColumns) {
			t.Fatalf("err %v", err)
		}
		if got := apperr.As(err).Details["missing"]; !reflect.DeepEqual(got, []string{"学号", "层次"}) {
			t.Fatalf("missing %v", got)
		}
	})
}

func splitCSV(s string) []string {
	t, _ := readCSV([]byte(s))
	return t[0]
}

func TestParseRosterBadRows(t *testing.T) {
	data := "学校花名册\n" + // a title row above the header
		"姓名,学号,层次,手机号,已有学信网照片\n" + // row 2
		"张三,2019010001,本科,13800000001,否\n" + // 3 good
		",2019010002,本科,,\n" + // 4 no name
		"王五,,本科,,\n" + // 5 no 学号
		"赵六,2019010004,研究生,,\n" + // 6 bad level
		"孙七,2019010005,本科,1380000,\n" + // 7 bad phone
		"周八,2019010006,本科,,也许\n" + // 8 bad yes/no
		"\n" + // 9 empty: skipped silently
		"吴九,2019010001,本科,,\n" + // 10 duplicate of row 3
		"郑十,2019 010 007,大专,+86 138-0000-0007,Y\n" + // 11 good, normalised
		"\"钱\n十一\",2019010008,本科,,\n" + // 12-13 in a text editor, row 12 in Excel: a cell with a line break
		"冯十二,2.01901E+09,本科,,\n" + // 13 a 学号 Excel showed in scientific notation
		"陈十三,20190100 09,本科,,1\n" // 14 good
	p, err := ParseRoster("r.csv", []byte(data), bothLevels)
	if err != nil {
		t.Fatal(err)
	}
	wantErrRows := map[int]string{
		4:  "姓名为空",
		5:  "学号为空",
		6:  "层次“研究生”不正确，应为本科或专科",
		7:  "手机号格式不正确（应为11位手机号）",
		8:  "“已有学信网照片”应填 是 或 否",
		10: "学号2019010001与第3行重复，本行未导入",
		12: "姓名不应包含数字",
	}
	got := map[int]string{}
	for _, e := range p.Errors {
		got[e.Row] = e.Message
	}
	for row, msg := range wantErrRows {
		if row == 12 {
			continue // checked below: the multi-line name is fine
		}
		if got[row] != msg {
			t.Errorf("row %d: %q, want %q", row, got[row], msg)
		}
	}
	if _, ok := got[13]; !ok {
		t.Errorf("row 13 (学号 in scientific notation, digits lost) should be refused: %+v", p.Errors)
	}
	if len(p.Errors) != 7 {
		t.Errorf("errors %+v", p.Errors)
	}
	if !reflect.DeepEqual(p.RowNums, []int{3, 11, 12, 14}) {
		t.Fatalf("good rows %v", p.RowNums)
	}
	if r := p.Rows[1]; r.StudentNo != "2019010007" || r.Level != "专科" || r.Phone != "13800000007" || !r.HasCHSIPhoto {
		t.Errorf("normalised row %+v", r)
	}
	if r := p.Rows[3]; r.StudentNo != "2019010009" || !r.HasCHSIPhoto {
		t.Errorf("row 14 %+v", r)
	}
}

func TestParseRosterSchoolLevels(t *testing.T) {
	p, err := ParseRoster("r.csv", []byte("姓名,学号,层次\n张三,1,本科\n李四,2,专科\n"), []string{"本科"})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rows) != 1 || len(p.Errors) != 1 || p.Errors[0].Row != 3 || p.Errors[0].Message != "层次“专科”不正确，应为本科" {
		t.Fatalf("%+v", p)
	}
}

func TestParseRosterRefusesFiles(t *testing.T) {
	cases := []struct {
		name, file string
		data       []byte
		want       error
	}{
		{"empty", "r.csv", []byte(" \n"), ErrImportEmpty},
		{"only blank rows", "r.csv", []byte(",,\n,,\n"), ErrImportEmpty},
		{"header only", "r.csv", []byte("姓名,学号,层次\n,,\n"), ErrImportNoRows},
		{"old xls", "r.xls", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, ErrImportFormat},
		{"binary", "r.csv", []byte{'a', 0, 'b'}, ErrImportFormat},
		{"broken zip", "r.xlsx", []byte("PK\x03\x04garbage"), ErrImportFormat},
		{"not text in any encoding", "r.csv", []byte{0xff, 0xfe, 0xfd, 0x81, 0x30}, ErrImportFormat},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ParseRoster(tc.file, tc.data, bothLevels); !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
		})
	}
}

func TestExcelInteger(t *testing.T) {
	for in, want := range map[string]string{
		"2019010001": "2019010001", "2019010001.0": "2019010001", "1.3800000001E10": "13800000001",
		"2.01901E+09": "2.01901E+09", "A2019": "A2019", "2019.5": "2019.5", "": "", "E": "E",
	} {
		if got := excelInteger(in); got != want {
			t.Errorf("excelInteger(%q) = %q, want %q", in, got, want)
		}
	}
}
