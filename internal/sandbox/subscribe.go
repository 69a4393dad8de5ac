package sandbox

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// TokenChecker tells whether an access token was issued by the sandbox (MiniProgram).
type TokenChecker interface {
	ValidToken(tok string) bool
}

// SubscribeMessage is a subscribe message the sandbox accepted.
type SubscribeMessage struct {
	MsgID      int64             `json:"msgid"`
	ToUser     string            `json:"touser"`
	TemplateID string            `json:"template_id"`
	Title      string            `json:"title"`
	Page       string            `json:"page"`
	State      string            `json:"miniprogram_state"`
	Data       map[string]string `json:"data"`
	ReceivedAt time.Time         `json:"received_at"`
}

// Template is a subscribe-message template as chosen in the mini-program's admin
// console: a title and its keywords (key such as thing1 → the keyword's name).
type Template struct {
	Title    string            `json:"title"`
	Keywords map[string]string `json:"keywords"`
}

// Demo template ids: sandbox mode configures them so that `make run` shows the channel.
const (
	DemoTemplateApproved = "sandbox-tmpl-review-approved"
	DemoTemplateRejected = "sandbox-tmpl-review-rejected"
)

// DemoTemplates are the two review-result templates, one per result, with distinct
// titles and keywords (WeChat filters look-alike templates).
var DemoTemplates = map[string]Template{
	DemoTemplateApproved: {Title: "照片审核通过通知", Keywords: map[string]string{
		"thing1": "采集学校", "phrase2": "审核结果", "time3": "审核时间", "thing4": "温馨提示"}},
	DemoTemplateRejected: {Title: "照片审核未通过通知", Keywords: map[string]string{
		"thing1": "采集学校", "thing2": "未通过原因", "time3": "审核时间", "thing4": "处理建议"}},
}

//go:embed miniprogram_app.json
var embeddedAppJSON []byte

// AppPages returns the pages (main package and subpackages) listed in an app.json.
func AppPages(appJSON []byte) ([]string, error) {
	var app struct {
		Pages       []string `json:"pages"`
		SubPackages []struct {
			Root  string   `json:"root"`
			Pages []string `json:"pages"`
		} `json:"subPackages"`
		Subpackages []struct {
			Root  string   `json:"root"`
			Pages []string `json:"pages"`
		} `json:"subpackages"`
	}
	if err := json.Unmarshal(appJSON, &app); err != nil {
		return nil, fmt.Errorf("sandbox: app.json: %w", err)
	}
	pages := append([]string(nil), app.Pages...)
	for _, sp := range append(app.SubPackages, app.Subpackages...) {
		for _, p := range sp.Pages {
			pages = append(pages, strings.TrimSuffix(sp.Root, "/")+"/"+p)
		}
	}
	if len(pages) == 0 {
		return nil, fmt.Errorf("sandbox: app.json lists no pages")
	}
	return pages, nil
}

// EmbeddedPages are the pages of miniprogram/app.json as embedded in the binary (a
// copy, kept equal by a test).
func EmbeddedPages() []string {
	p, err := AppPages(embeddedAppJSON)
	if err != nil {
		panic(err) // the embedded copy is checked by the tests
	}
	return p
}

// Subscribe emulates POST /cgi-bin/message/subscribe/send: the template must exist, the
// page must be one of the mini-program's pages (41030), the data must fit the
// keywords' types (47003), and each acceptance of wx.requestSubscribeMessage allows
// exactly one send (43101 after). POST /wx/subscribe stands in for the student's tap on
// 允许; GET /subscribe/messages lists what was delivered (dev aid).
type Subscribe struct {
	tokens    TokenChecker
	pages     map[string]bool
	mu        sync.Mutex
	templates map[string]Template
	accepted  map[string]int // openid + "\x00" + template id → sends left
	msgs      []SubscribeMessage
}

// NewSubscribe accepts only tokens tokens knows and pages listed in pages (nil: the
// embedded app.json's). It knows the demo templates; AddTemplate adds others.
func NewSubscribe(tokens TokenChecker, pages []string) *Subscribe {
	if pages == nil {
		pages = EmbeddedPages()
	}
	s := &Subscribe{tokens: tokens, pages: map[string]bool{}, templates: map[string]Template{}, accepted: map[string]int{}}
	for _, p := range pages {
		s.pages[p] = true
	}
	for id, t := range DemoTemplates {
		s.templates[id] = t
	}
	return s
}

// AddTemplate registers a template under id (as adding it in the admin console does).
func (s *Subscribe) AddTemplate(id string, t Template) {
	s.mu.Lock()
	s.templates[id] = t
	s.mu.Unlock()
}

// Mount adds the routes to the /sandbox group.
func (s *Subscribe) Mount(r gin.IRouter) {
	r.POST("/cgi-bin/message/subscribe/send", s.send)
	r.POST("/wx/subscribe", s.request)
	r.GET("/subscribe/messages", s.list)
}

// Messages returns what was accepted, oldest first.
func (s *Subscribe) Messages() []SubscribeMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SubscribeMessage(nil), s.msgs...)
}

// Accept records that openid tapped 允许 for the templates (one send each).
func (s *Subscribe) Accept(openID string, templateIDs ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range templateIDs {
		if _, ok := s.templates[id]; !ok {
			return fmt.Errorf("sandbox: no template %q", id)
		}
	}
	for _, id := range templateIDs {
		s.accepted[openID+"\x00"+id]++
	}
	return nil
}

// request stands in for wx.requestSubscribeMessage: {"openid", "tmplIds": [...]} →
// {"errMsg": "requestSubscribeMessage:ok", "<id>": "accept", ...}.
func (s *Subscribe) request(c *gin.Context) {
	var req struct {
		OpenID  string   `json:"openid"`
		TmplIDs []string `json:"tmplIds"`
	}
	if c.ShouldBindJSON(&req) != nil || req.OpenID == "" || len(req.TmplIDs) == 0 || len(req.TmplIDs) > 3 {
		c.JSON(http.StatusBadRequest, gin.H{"errMsg": "requestSubscribeMessage:fail invalid params (openid, 1 to 3 tmplIds)", "errCode": 10001})
		return
	}
	if err := s.Accept(req.OpenID, req.TmplIDs...); err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"errMsg": "requestSubscribeMessage:fail " + err.Error(), "errCode": 20001})
		return
	}
	out := gin.H{"errMsg": "requestSubscribeMessage:ok"}
	for _, id := range req.TmplIDs {
		out[id] = "accept"
	}
	c.JSON(http.StatusOK, out)
}

func (s *Subscribe) send(c *gin.Context) {
	if !s.tokens.ValidToken(c.Query("access_token")) {
		wxError(c, 40001, "invalid credential, access_token is invalid or not latest")
		return
	}
	var req struct {
		ToUser     string `json:"touser"`
		TemplateID string `json:"template_id"`
		Page       string `json:"page"`
		State      string `json:"miniprogram_state"`
		Lang       string `json:"lang"`
		Data       map[string]struct {
			Value any `json:"value"`
		} `json:"data"`
	}
	if c.ShouldBindJSON(&req) != nil || req.TemplateID == "" || len(req.Data) == 0 {
		wxError(c, 47001, "data format error")
		return
	}
	if req.ToUser == "" {
		wxError(c, 40003, "invalid openid")
		return
	}
	switch req.State {
	case "", "developer", "trial", "formal":
	default:
		wxError(c, 47003, "argument invalid! miniprogram_state invalid")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tmpl, ok := s.templates[req.TemplateID]
	if !ok {
		wxError(c, 40037, "invalid template_id")
		return
	}
	if req.Page != "" {
		path, _, _ := strings.Cut(strings.TrimPrefix(req.Page, "/"), "?")
		if !s.pages[path] {
			wxError(c, 41030, "invalid page")
			return
		}
	}
	data := make(map[string]string, len(tmpl.Keywords))
	for key := range tmpl.Keywords {
		v, ok := req.Data[key]
		str, isStr := v.Value.(string)
		if !ok || !isStr || !validValue(key, str) {
			wxError(c, 47003, "argument invalid! data."+key+".value invalid")
			return
		}
		data[key] = str
	}
	k := req.ToUser + "\x00" + req.TemplateID
	if s.accepted[k] <= 0 {
		wxError(c, 43101, "user refuse to accept the msg")
		return
	}
	s.accepted[k]--
	m := SubscribeMessage{MsgID: int64(len(s.msgs) + 1), ToUser: req.ToUser, TemplateID: req.TemplateID, Title: tmpl.Title,
		Page: req.Page, State: req.State, Data: data, ReceivedAt: time.Now()}
	s.msgs = append(s.msgs, m)
	c.JSON(http.StatusOK, gin.H{"errcode": 0, "errmsg": "ok", "msgid": m.MsgID})
}

// WeChat's formats per keyword type (subscribe-message documentation, "参数类型").
var (
	// time: 24-hour time, optionally with 年月日 before it: 15:01 or 2019年10月1日 15:01.
	timeValue = regexp.MustCompile(`^(\d{4}年\d{1,2}月\d{1,2}日 ?)?([01]?\d|2[0-3]):[0-5]\d$`)
	// date: 年月日, optionally with a 24-hour time: 2019年10月1日 or 2019年10月1日 15:01.
	dateValue   = regexp.MustCompile(`^\d{4}年\d{1,2}月\d{1,2}日( ?([01]?\d|2[0-3]):[0-5]\d)?$`)
	numberValue = regexp.MustCompile(`^\d+(\.\d+)?$`)
	charsValue  = regexp.MustCompile(`^[\x21-\x7e]+$`) // digits, letters, symbols
)

// validValue checks one value against its keyword type (the key minus its digits).
func validValue(key, v string) bool {
	n := utf8.RuneCountInString(v)
	if n == 0 {
		return false
	}
	switch strings.TrimRight(key, "0123456789") {
	case "thing":
		return n <= 20
	case "phrase":
		return n <= 5 && allHan(v)
	case "name":
		return (n <= 10 && allHan(v)) || (n <= 20 && isLetters(v))
	case "time":
		return timeValue.MatchString(v)
	case "date":
		return dateValue.MatchString(v)
	case "number":
		return n <= 32 && numberValue.MatchString(v)
	case "character_string":
		return n <= 32 && charsValue.MatchString(v)
	}
	return n <= 20 // other types: WeChat's shortest common limit
}

func allHan(s string) bool {
	for _, r := range s {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return true
}

func isLetters(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

func (s *Subscribe) list(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"messages": s.Messages()})
}
