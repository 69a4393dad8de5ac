package roster

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/unicode/norm"

	"github.com/gradphoto/gradphoto/internal/apperr"
)

// Errors of a roster file as a whole (a bad row is reported, never an error).
var (
	ErrImportFormat  = apperr.New(apperr.KindUnsupportedMedia, "roster_format", "名单文件须为CSV或XLSX格式（Excel另存为“CSV UTF-8”或直接上传.xlsx）")
	ErrImportEmpty   = apperr.Rejected("roster_empty", "名单文件没有内容")
	ErrImportColumns = apperr.Rejected("roster_columns_missing", "名单缺少必需的列：姓名、学号、层次")
	ErrImportNoRows  = apperr.Rejected("roster_no_students", "名单只有表头，没有学生信息")
)

// ImportError is one bad row: its number as the user sees it in Excel (the header is
// row 1) and the reason, in Chinese.
type ImportError struct {
	Row     int
	Message string
}

// Parsed is a roster file checked row by row: the good rows (with their row numbers)
// and the bad ones.
type Parsed struct {
	Rows    []Row
	RowNums []int
	Errors  []ImportError
	// HasPhone and HasCHSI tell whether the file has the optional columns: a column
	// the file lacks leaves the stored values alone.
	HasPhone, HasCHSI bool
}

// column is a field of the roster file.
type column int

const (
	colName column = iota
	colStudentNo
	colLevel
	colPhone
	colHasCHSI
	colCount
)

var columnLabels = [colCount]string{"姓名", "学号", "层次", "手机号", "已有学信网照片"}

// headerSynonyms are the header texts (after headerKey) each column answers to: what
// schools actually put in their spreadsheets.
var headerSynonyms = map[string]column{
	"姓名": colName, "学生姓名": colName, "名字": colName, "name": colName,
	"学号": colStudentNo, "学生学号": colStudentNo, "学生编号": colStudentNo, "studentno": colStudentNo, "学籍号": colStudentNo,
	"层次": colLevel, "学历层次": colLevel, "培养层次": colLevel, "学历": colLevel, "教育层次": colLevel, "层级": colLevel, "level": colLevel,
	"手机号": colPhone, "手机": colPhone, "手机号码": colPhone, "电话": colPhone, "电话号码": colPhone, "联系电话": colPhone,
	"联系方式": colPhone, "移动电话": colPhone, "phone": colPhone, "mobile": colPhone,
	"已有学信网照片": colHasCHSI, "学信网照片": colHasCHSI, "有学信网照片": colHasCHSI, "学信网已有照片": colHasCHSI,
	"已有照片": colHasCHSI, "学信网有照片": colHasCHSI, "haschsiphoto": colHasCHSI,
}

// headerKey folds a header cell: full-width to half-width, no spaces or marks, no
// "(选填)"-style remarks, no leading 是否.
func headerKey(s string) string {
	s = strings.ToLower(norm.NFKC.String(s))
	if i := strings.IndexAny(s, "(["); i > 0 {
		s = s[:i]
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || r == '\ufeff' {
			continue
		}
		b.WriteRune(r)
	}
	return strings.TrimPrefix(b.String(), "是否")
}

// maxTitleRows is how many non-empty rows may stand above the header.
const maxTitleRows = 3

// levelSynonyms maps what a roster may say to the two levels 学信网 knows.
var levelSynonyms = map[string]string{
	"本科": "本科", "本科生": "本科", "专升本": "本科", "普通本科": "本科", "本": "本科",
	"专科": "专科", "专科生": "专科", "大专": "专科", "高职": "专科", "高职专科": "专科", "高专": "专科", "专": "专科",
}

// ParseRoster reads a roster file (CSV in UTF-8 with or without BOM, CSV in GB18030 as
// Excel saves it in China, or XLSX) and checks every row against the school's levels.
// Rows are numbered as the user sees them in Excel. A bad row never stops the others;
// a 学号 repeated in the file is reported on every repetition after the first.
func ParseRoster(filename string, data []byte, levels []string) (*Parsed, error) {
	table, err := readTable(filename, data)
	if err != nil {
		return nil, err
	}
	var cols [colCount]int
	h, err := locateHeader(table, func(row []string) (err error) {
		cols, err = mapHeader(row)
		return err
	})
	if err != nil {
		return nil, err
	}
	allowed := map[string]bool{}
	for _, l := range levels {
		allowed[l] = true
	}
	p := &Parsed{Rows: make([]Row, 0, len(table)-h-1), RowNums: make([]int, 0, len(table)-h-1),
		HasPhone: cols[colPhone] >= 0, HasCHSI: cols[colHasCHSI] >= 0}
	firstSeen := make(map[string]int, len(table))
	for i := h + 1; i < len(table); i++ {
		rec := table[i]
		if blank(rec) {
			continue
		}
		rowNum := i + 1
		row, problems := checkRow(rec, cols, allowed, levels)
		if row.StudentNo != "" {
			if first, dup := firstSeen[row.StudentNo]; dup {
				problems = append(problems, fmt.Sprintf("学号%s与第%d行重复，本行未导入", row.StudentNo, first))
			} else if len(problems) == 0 {
				firstSeen[row.StudentNo] = rowNum
			}
		}
		if len(problems) > 0 {
			p.Errors = append(p.Errors, ImportError{Row: rowNum, Message: strings.Join(problems, "；")})
			continue
		}
		p.Rows = append(p.Rows, row)
		p.RowNums = append(p.RowNums, rowNum)
	}
	if len(p.Rows) == 0 && len(p.Errors) == 0 {
		return nil, ErrImportNoRows // a header alone is a mistake, not an import of nobody
	}
	return p, nil
}

// locateHeader finds the header: the first non-blank row that match accepts. Schools
// often put a title ("2025届毕业生名单") in the rows above it, so up to maxTitleRows rows
// are passed over; the error is then the first row's.
func locateHeader(table [][]string, match func(row []string) error) (int, error) {
	var err0 error
	seen := 0
	for i := 0; i < len(table) && seen < maxTitleRows+1; i++ {
		if blank(table[i]) {
			continue
		}
		err := match(table[i])
		if err == nil {
			return i, nil
		}
		if seen == 0 {
			err0 = err
		}
		seen++
	}
	if seen == 0 {
		return -1, ErrImportEmpty
	}
	return -1, err0
}

// Sheet is a spreadsheet of any list a school uploads (a roster, 学信网's result list),
// read with the roster's rules: CSV in UTF-8 or GB18030, or XLSX; a title above the
// header; loosely written headers.
type Sheet struct {
	// Rows are the non-blank rows under the header; RowNums their numbers in Excel.
	Rows    [][]string
	RowNums []int
	cols    map[string]int
}

// SheetColumn is a column a Sheet looks for: the name callers use, the header texts it
// answers to (folded as HeaderKey folds them), and whether the file must have it.
type SheetColumn struct {
	Name     string
	Headers  []string
	Required bool
}

// ReadSheet reads a list and finds its header row; a file without a required column is
// refused with the missing column names.
func ReadSheet(filename string, data []byte, columns []SheetColumn) (*Sheet, error) {
	table, err := readTable(filename, data)
	if err != nil {
		return nil, err
	}
	sh := &Sheet{}
	h, err := locateHeader(table, func(row []string) error {
		sh.cols = map[string]int{}
		for i, cell := range row {
			k := headerKey(cell)
			for _, c := range columns {
				if _, done := sh.cols[c.Name]; !done && slices.Contains(c.Headers, k) {
					sh.cols[c.Name] = i
				}
			}
		}
		var missing []string
		for _, c := range columns {
			if _, ok := sh.cols[c.Name]; c.Required && !ok {
				missing = append(missing, c.Name)
			}
		}
		if len(missing) > 0 {
			return ErrImportColumns.WithMessage("文件缺少必需的列：" + strings.Join(missing, "、") + "（请检查表头行）").
				WithDetails(map[string]any{"missing": missing})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := h + 1; i < len(table); i++ {
		if !blank(table[i]) {
			sh.Rows = append(sh.Rows, table[i])
			sh.RowNums = append(sh.RowNums, i+1)
		}
	}
	if len(sh.Rows) == 0 {
		return nil, ErrImportNoRows.WithMessage("文件只有表头，没有内容")
	}
	return sh, nil
}

// Cell is row i's value of a column (trimmed, full-width folded), "" if absent.
func (sh *Sheet) Cell(i int, column string) string {
	c, ok := sh.cols[column]
	if !ok || c >= len(sh.Rows[i]) {
		return ""
	}
	return strings.TrimSpace(norm.NFKC.String(sh.Rows[i][c]))
}

// HeaderKey folds a header text as the sheet reader compares it.
func HeaderKey(s string) string { return headerKey(s) }

// StudentNoCell reads a 学号 cell as the roster stores 学号 (a numeric spreadsheet cell
// back to its digits, upper case, no spaces); ok is false for a malformed one.
func StudentNoCell(s string) (no string, ok bool) {
	no = NormalizeStudentNo(excelInteger(s))
	return no, no != "" && len(no) <= 32 && validStudentNo(no)
}

func mapHeader(header []string) ([colCount]int, error) {
	var cols [colCount]int
	for i := range cols {
		cols[i] = -1
	}
	for i, cell := range header {
		if c, ok := headerSynonyms[headerKey(cell)]; ok && cols[c] < 0 {
			cols[c] = i
		}
	}
	var missing []string
	for _, c := range []column{colName, colStudentNo, colLevel} {
		if cols[c] < 0 {
			missing = append(missing, columnLabels[c])
		}
	}
	if len(missing) > 0 {
		return cols, ErrImportColumns.WithMessage("名单缺少必需的列：" + strings.Join(missing, "、") + "（请检查表头行）").
			WithDetails(map[string]any{"missing": missing})
	}
	return cols, nil
}

func checkRow(rec []string, cols [colCount]int, allowed map[string]bool, levels []string) (Row, []string) {
	cell := func(c column) string {
		if cols[c] < 0 || cols[c] >= len(rec) {
			return ""
		}
		return strings.TrimSpace(norm.NFKC.String(rec[cols[c]]))
	}
	var row Row
	var problems []string

	row.Name = cell(colName)
	switch n := utf8.RuneCountInString(row.Name); {
	case n == 0:
		problems = append(problems, "姓名为空")
	case n > 32:
		problems = append(problems, "姓名过长（不超过32个字）")
	case strings.ContainsFunc(row.Name, unicode.IsDigit):
		problems = append(problems, "姓名不应包含数字")
	}

	no := NormalizeStudentNo(excelInteger(cell(colStudentNo)))
	switch {
	case no == "":
		problems = append(problems, "学号为空")
	case len(no) > 32:
		problems = append(problems, "学号过长（不超过32个字符）")
	case !validStudentNo(no):
		problems = append(problems, "学号格式不正确（只能包含字母、数字和短横线；Excel中请将学号列设为文本格式）")
	default:
		row.StudentNo = no
	}

	rawLevel := cell(colLevel)
	level, known := levelSynonyms[strings.ReplaceAll(rawLevel, " ", "")]
	switch {
	case rawLevel == "":
		problems = append(problems, "层次为空")
	case !known || !allowed[level]:
		problems = append(problems, fmt.Sprintf("层次“%s”不正确，应为%s", rawLevel, strings.Join(levels, "或")))
	default:
		row.Level = level
	}

	if raw := excelInteger(cell(colPhone)); raw != "" {
		phone := NormalizePhone(raw)
		if !ValidPhone(phone) {
			problems = append(problems, "手机号格式不正确（应为11位手机号）")
		} else {
			row.Phone = phone
		}
	}

	if raw := cell(colHasCHSI); raw != "" {
		v, ok := parseYesNo(raw)
		if !ok {
			problems = append(problems, "“已有学信网照片”应填 是 或 否")
		}
		row.HasCHSIPhoto = v
	}
	return row, problems
}

func validStudentNo(no string) bool {
	for _, r := range no {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// excelInteger turns what a numeric spreadsheet cell holds ("2019010001.0",
// "1.3800000001E10") back into the digits typed; anything else is returned as it is.
func excelInteger(s string) string {
	if !strings.ContainsAny(s, ".eE") || strings.Trim(s, "0123456789.eE+-") != "" {
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f > 1e15 || f != float64(int64(f)) {
		return s
	}
	out := strconv.FormatInt(int64(f), 10)
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		// "2.01901E+09" is what a CSV keeps of 2019010001 shown in a narrow column: the
		// digits are gone. Accept the notation only when it holds every digit.
		digits := strings.TrimLeft(strings.NewReplacer(".", "", "+", "", "-", "").Replace(s[:i]), "0")
		if len(out) > len(digits) {
			return s
		}
	}
	return out
}

func parseYesNo(s string) (value, ok bool) {
	switch strings.ToLower(strings.ReplaceAll(s, " ", "")) {
	case "是", "有", "1", "true", "y", "yes", "已有", "√":
		return true, true
	case "否", "无", "没有", "0", "false", "n", "no", "×":
		return false, true
	}
	return false, false
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(strings.TrimPrefix(c, "\ufeff")) != "" {
			return false
		}
	}
	return true
}

// readTable returns the cells of the file's first sheet, row i of the slice being
// spreadsheet row i+1.
func readTable(filename string, data []byte) ([][]string, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, ErrImportEmpty
	}
	lower := strings.ToLower(filename)
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return readXLSX(data)
	case strings.HasSuffix(lower, ".xls") || bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		// The binary .xls format of Excel 97-2003: ask for a format we read.
		return nil, ErrImportFormat.WithMessage("不支持旧版.xls文件，请在Excel中另存为.xlsx或CSV后上传")
	case bytes.IndexByte(data, 0) >= 0:
		return nil, ErrImportFormat
	}
	return readCSV(data)
}

func readXLSX(data []byte) ([][]string, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, ErrImportFormat.Wrap(err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, ErrImportEmpty
	}
	// The sheet the user last looked at, which is the one they mean.
	sheet := f.GetSheetName(f.GetActiveSheetIndex())
	if sheet == "" {
		sheet = sheets[0]
	}
	// Raw values: a 学号 or phone number stored as a number must not come back in the
	// cell's display format (e.g. 2.02E+09).
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, ErrImportFormat.Wrap(err)
	}
	return rows, nil
}

func readCSV(data []byte) ([][]string, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		// Excel in a Chinese locale saves "CSV" in GB18030 (GBK).
		dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
		if err != nil || !utf8.Valid(dec) || bytes.ContainsRune(dec, utf8.RuneError) {
			return nil, ErrImportFormat.WithMessage("无法识别文件编码，请保存为UTF-8或GBK编码的CSV文件")
		}
		data = dec
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = false
	var out [][]string
	// Excel numbers records, not lines: a quoted cell may span lines, while the empty
	// lines csv.Reader skips are empty rows. consumed counts the lines read so far.
	consumed, prevOff := 0, int64(0)
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, ErrImportFormat.WithMessage(fmt.Sprintf("CSV格式错误（第%d行附近），请检查引号是否成对", len(out)+2)).Wrap(err)
		}
		start, _ := r.FieldPos(0)
		for i := consumed + 1; i < start; i++ {
			out = append(out, nil)
		}
		out = append(out, rec)
		off := r.InputOffset()
		consumed += bytes.Count(data[prevOff:off], []byte("\n"))
		prevOff = off
	}
	if len(out) == 0 {
		return nil, ErrImportEmpty
	}
	return out, nil
}
