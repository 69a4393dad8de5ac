package sandbox

import (
	"net/http"
	"strings"
	"sync"
	"time"
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
	Page       string            `json:"page"`
	Data       map[string]string `json:"data"`
	ReceivedAt time.Time         `json:"received_at"`
}

// Subscribe emulates POST /cgi-bin/message/subscribe/send and records what it accepts;
// GET /subscribe/messages lists them (dev aid). Openids starting with sandbox-nosub
// have granted nothing: WeChat's 43101 answer.
type Subscribe struct {
	tokens TokenChecker
	mu     sync.Mutex
	msgs   []SubscribeMessage
}

// NewSubscribe accepts only tokens tokens knows.
func NewSubscribe(tokens TokenChecker) *Subscribe { return &Subscribe{tokens: tokens} }

// Mount adds the routes to the /sandbox group.
func (s *Subscribe) Mount(r gin.IRouter) {
	r.POST("/cgi-bin/message/subscribe/send", s.send)
	r.GET("/subscribe/messages", s.list)
}

// Messages returns what was accepted, oldest first.
func (s *Subscribe) Messages() []SubscribeMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SubscribeMessage(nil), s.msgs...)
}

// maxValueRunes are WeChat's limits per keyword type (thing, phrase, ...).
var maxValueRunes = map[string]int{"thing": 20, "phrase": 5, "name": 10, "character_string": 32, "time": 64, "date": 64}

func (s *Subscribe) send(c *gin.Context) {
	if !s.tokens.ValidToken(c.Query("access_token")) {
		wxError(c, 40001, "invalid credential, access_token is invalid or not latest")
		return
	}
	var req struct {
		ToUser     string `json:"touser"`
		TemplateID string `json:"template_id"`
		Page       string `json:"page"`
		Data       map[string]struct {
			Value any `json:"value"`
		} `json:"data"`
	}
	if c.ShouldBindJSON(&req) != nil || req.ToUser == "" || req.TemplateID == "" || len(req.Data) == 0 {
		wxError(c, 47001, "data format error")
		return
	}
	if strings.HasPrefix(req.ToUser, "sandbox-nosub") {
		wxError(c, 43101, "user refuse to accept the msg")
		return
	}
	data := make(map[string]string, len(req.Data))
	for k, v := range req.Data {
		str, ok := v.Value.(string)
		kind := strings.TrimRight(k, "0123456789")
		if limit, known := maxValueRunes[kind]; !ok || str == "" || (known && utf8.RuneCountInString(str) > limit) {
			wxError(c, 47003, "argument invalid! data."+k+".value invalid")
			return
		}
		data[k] = str
	}
	s.mu.Lock()
	m := SubscribeMessage{MsgID: int64(len(s.msgs) + 1), ToUser: req.ToUser, TemplateID: req.TemplateID,
		Page: req.Page, Data: data, ReceivedAt: time.Now()}
	s.msgs = append(s.msgs, m)
	s.mu.Unlock()
	c.JSON(http.StatusOK, gin.H{"errcode": 0, "errmsg": "ok", "msgid": m.MsgID})
}

func (s *Subscribe) list(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"messages": s.Messages()})
}
