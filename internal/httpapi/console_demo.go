package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/console"
)

// The demo queue, mounted in sandbox mode only: `make run` starts with an empty review
// queue, so a reviewer can ask for a few demo-roster students to be taken through the
// real student journey (login, roster check, capture code, photo checks, order, sandbox
// payment). The requests go through this router in process, exactly as the
// mini-program's would; WeChat calls still go to the sandbox over HTTP.

var errDemoExhausted = apperr.Conflict("demo_queue_exhausted", "示例学生都已进入流程；如需重来，请删除 data 目录后重新 make run")

type demoStep struct {
	method, path, token string
	json                any
	file                *demoFile
	want                int
}

type demoFile struct {
	field, name string
	data        []byte
}

// demoQueue answers {"queued": n}, once the n collections are in the review queue.
func (h *consoleHandlers) demoQueue(engine *gin.Engine) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx := c.Request.Context()
		queued := 0
		for i, st := range console.DemoStudents() {
			if queued == 2 {
				break
			}
			err := h.demoJourney(ctx, engine, i, st)
			if err == nil {
				queued++
				continue
			}
			// A student already in the flow (an earlier demo or a test journey) is skipped.
			h.s.d.Log.InfoContext(ctx, "demo queue: student skipped", "index", i, "err", err)
		}
		if queued == 0 {
			h.s.fail(c, errDemoExhausted)
			return
		}
		c.JSON(http.StatusOK, gin.H{"queued": queued})
	}
}

func (h *consoleHandlers) demoJourney(ctx context.Context, engine *gin.Engine, i int, st console.DemoStudent) error {
	run := func(s demoStep) (map[string]any, error) { return demoCall(ctx, engine, s) }
	login, err := run(demoStep{method: "POST", path: "/api/v1/auth/wechat-login",
		json: map[string]string{"code": fmt.Sprintf("dev-console-demo-%s-%d", st.StudentNo, time.Now().UnixNano())}, want: 200})
	if err != nil {
		return err
	}
	tok, _ := login["token"].(string)
	created, err := run(demoStep{method: "POST", path: "/api/v1/collections", token: tok, want: 201, json: map[string]string{
		"school_id": console.DemoSchool, "level": st.Level, "name": st.Name, "student_no": st.StudentNo, "phone": st.Phone}})
	if err != nil {
		return err
	}
	col, _ := created["collection"].(map[string]any)
	id, _ := col["id"].(string)
	code, err := console.DemoCaptureCode()
	if err != nil {
		return err
	}
	base := "/api/v1/collections/" + id
	steps := []demoStep{
		{method: "POST", path: base + "/confirm", token: tok, want: 200},
		{method: "POST", path: base + "/capture-code", token: tok, file: &demoFile{"image", "code.png", code}, want: 200},
		{method: "POST", path: base + "/photo", token: tok, file: &demoFile{"photo", "photo.jpg", console.DemoPhoto(i)}, want: 200},
	}
	for _, s := range steps {
		if _, err := run(s); err != nil {
			return err
		}
	}
	order, err := run(demoStep{method: "POST", path: base + "/order", token: tok, want: 200})
	if err != nil {
		return err
	}
	o, _ := order["order"].(map[string]any)
	otn, _ := o["out_trade_no"].(string)
	if _, err := run(demoStep{method: "POST", path: "/sandbox/pay/transactions/" + otn + "/succeed", want: 200}); err != nil {
		return err
	}
	// The payment notification comes back over HTTP; wait until it has been applied.
	deadline := time.Now().Add(15 * time.Second)
	for {
		got, err := run(demoStep{method: "GET", path: base, token: tok, want: 200})
		if err != nil {
			return err
		}
		if col, _ := got["collection"].(map[string]any); col["status"] == "in_review" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("demo queue: collection not in review after payment")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func demoCall(ctx context.Context, engine *gin.Engine, s demoStep) (map[string]any, error) {
	var body bytes.Buffer
	ctype := ""
	switch {
	case s.json != nil:
		if err := json.NewEncoder(&body).Encode(s.json); err != nil {
			return nil, err
		}
		ctype = "application/json"
	case s.file != nil:
		mw := multipart.NewWriter(&body)
		fw, err := mw.CreateFormFile(s.file.field, s.file.name)
		if err == nil {
			_, err = fw.Write(s.file.data)
		}
		if err == nil {
			err = mw.Close()
		}
		if err != nil {
			return nil, err
		}
		ctype = mw.FormDataContentType()
	}
	req := httptest.NewRequestWithContext(ctx, s.method, s.path, &body)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	w := httptest.NewRecorder()
	engine.ServeHTTP(w, req)
	if w.Code != s.want {
		return nil, fmt.Errorf("%s %s: %d %.200s", s.method, s.path, w.Code, w.Body.String())
	}
	out := map[string]any{}
	if w.Body.Len() > 0 {
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			return nil, fmt.Errorf("%s %s: %w", s.method, s.path, err)
		}
	}
	return out, nil
}
