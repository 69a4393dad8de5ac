package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"fmt"
	"image/jpeg"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/gradphoto/gradphoto/internal/app"
)

// TestDeliveryToCHSI is issue 13's journey, by an outside client: approved → exported
// (the 采集码 and a 480×640 photo in the ZIP) → the same ZIP again → submitted →
// 学信网 fails the photo (SMS) → a new photo without paying → approved → delivered
// again → 学信网 accepts it; the student's status text at every step.
func TestDeliveryToCHSI(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, s *server) {
		schoolAdmin, otherAdmin, reviewer := s.staffLogin("school_admin"), s.staffLogin("school_admin_bj"), s.staffLogin("reviewer")
		east := "/admin/api/v1/schools/" + app.DemoSchoolID
		st := liSi
		tok := s.login("delivery")
		id := s.verify(tok, st)
		payload := newPayload(t)
		s.upload("/api/v1/collections/"+id+"/capture-code", tok, "image", "code.png", codeScreenshot(t, payload)).must(t, 200)
		s.upload("/api/v1/collections/"+id+"/photo", tok, "photo", "photo.jpg", compliantPhoto(t)).must(t, 200)
		s.payAndWaitForReview(tok, id)
		statusIs := func(status, text string) map[string]any {
			t.Helper()
			c := collectionOf(s.do("GET", "/api/v1/collections/"+id, tok, nil).must(t, 200))
			if c["status"] != status || c["status_text"] != text {
				t.Fatalf("status %v %q, want %s %q", c["status"], c["status_text"], status, text)
			}
			return c
		}
		approve := func() {
			t.Helper()
			claim := s.do("POST", "/admin/api/v1/reviews/claim", reviewer, nil).must(t, 200).JSON["review"].(map[string]any)
			s.do("POST", fmt.Sprintf("/admin/api/v1/reviews/%v/decision", claim["id"]), reviewer, `{"decision":"approve"}`).must(t, 200)
		}
		statusIs("in_review", "审核中")
		approve()
		order := statusIs("approved", "审核成功")["order"].(map[string]any)

		// Export: the student's exact 采集码 in both manifests, a 480×640 photo.
		zr := s.do("GET", east+"/export", schoolAdmin, nil).must(t, 200)
		batch := zr.Header.Get("X-Export-Batch")
		files := unzip(t, zr.Body)
		photoName := "photos/" + st.No + ".jpg"
		img, err := jpeg.Decode(bytes.NewReader(files[photoName]))
		if err != nil || img.Bounds().Dx() != 480 || img.Bounds().Dy() != 640 {
			t.Fatalf("the delivered photo: %v (files %v)", err, names(files))
		}
		rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(files["manifest.csv"], []byte("\ufeff")))).ReadAll()
		if err != nil || len(rows) != 2 || rows[1][0] != st.No || rows[1][3] != payload || rows[1][4] != photoName || rows[1][5] != sha(files[photoName]) {
			t.Fatalf("manifest.csv %v %v", rows, err)
		}
		x, err := excelize.OpenReader(bytes.NewReader(files["manifest.xlsx"]))
		if err != nil {
			t.Fatal(err)
		}
		if code, _ := x.GetCellValue(x.GetSheetList()[0], "D2"); code != payload {
			t.Fatalf("manifest.xlsx 采集码 %q", code)
		}
		_ = x.Close()
		statusIs("exported", "审核成功（学校整理报送中）")

		// The batch again: the same bytes; the other school sees neither it nor its codes.
		again := s.do("GET", "/admin/api/v1/batches/"+batch+"/download", schoolAdmin, nil).must(t, 200)
		if sha(again.Body) != sha(zr.Body) {
			t.Fatal("the batch downloaded again differs")
		}
		for _, r := range []*response{
			s.do("GET", "/admin/api/v1/batches/"+batch+"/download", otherAdmin, nil),
			s.do("POST", "/admin/api/v1/batches/"+batch+"/submitted", otherAdmin, nil),
			s.do("GET", east+"/batches", otherAdmin, nil),
		} {
			if r.Status != 404 || strings.Contains(string(r.Body), payload) {
				t.Fatalf("another school's administrator: %d %s", r.Status, r.Body)
			}
		}
		s.do("GET", "/admin/api/v1/batches/x/download", schoolAdmin, nil).must(t, 404)
		if code := s.do("GET", east+"/export", schoolAdmin, nil).must(t, 409).errCode(); code != "nothing_to_export" {
			t.Fatal(code)
		}

		b := s.do("POST", "/admin/api/v1/batches/"+batch+"/submitted", schoolAdmin, nil).must(t, 200).JSON["batch"].(map[string]any)
		if b["status"] != "submitted" || b["count"] != float64(1) {
			t.Fatalf("submitted: %v", b)
		}
		statusIs("submitted", "已报送学信网")

		// 学信网 fails the photo: row errors for a student of another school and an unknown one.
		results := []byte("学号,比对结果,原因\n" + st.No + ",不通过,与身份证照片比对不一致\n2019990001,通过,\n2099999999,通过,\n")
		r := s.upload(east+"/chsi-results", schoolAdmin, "file", "结果.csv", results).must(t, 200)
		if r.JSON["failed"] != float64(1) || r.JSON["accepted"] != float64(0) || fmt.Sprint(errorRows(r)) != "[3 4]" {
			t.Fatalf("results: %s", r.Body)
		}
		statusIs("chsi_failed", "学信网比对未通过：与身份证照片比对不一致，请重新上传照片")
		sms := "学信网比对未通过：与身份证照片比对不一致，请登录小程序重新上传照片"
		s.waitForSMS(st.Phone, sms)
		// The same file again changes nothing and sends nothing.
		r = s.upload(east+"/chsi-results", schoolAdmin, "file", "结果.csv", results).must(t, 200)
		if r.JSON["failed"] != float64(0) || r.JSON["unchanged"] != float64(1) {
			t.Fatalf("the same results again: %s", r.Body)
		}
		if n := countSMS(s, st.Phone, sms); n != 1 {
			t.Fatalf("%d SMS for one failure", n)
		}
		s.upload(east+"/chsi-results", otherAdmin, "file", "结果.csv", results).must(t, 404)

		// A new photo without paying: back to review, the same order.
		s.reupload(tok, id)
		if c := statusIs("in_review", "审核中"); c["order"].(map[string]any)["out_trade_no"] != order["out_trade_no"] {
			t.Fatalf("a new order for the free round: %v", c["order"])
		}
		approve()
		statusIs("approved", "审核成功")
		zr2 := s.do("GET", east+"/export", schoolAdmin, nil).must(t, 200)
		if zr2.Header.Get("X-Export-Batch") == batch || unzip(t, zr2.Body)[photoName] == nil {
			t.Fatal("the new photo is not in a new batch")
		}
		s.do("POST", "/admin/api/v1/batches/"+zr2.Header.Get("X-Export-Batch")+"/submitted", schoolAdmin, nil).must(t, 200)
		r = s.upload(east+"/chsi-results", schoolAdmin, "file", "r.csv", []byte("学号,结果\n"+st.No+",通过\n")).must(t, 200)
		if r.JSON["accepted"] != float64(1) {
			t.Fatalf("accepted: %s", r.Body)
		}
		statusIs("chsi_accepted", "学信网已接收")

		list := s.do("GET", east+"/batches", schoolAdmin, nil).must(t, 200).JSON["batches"].([]any)
		if len(list) != 2 || list[1].(map[string]any)["chsi_failed"] != float64(1) || list[0].(map[string]any)["chsi_accepted"] != float64(1) {
			t.Fatalf("batches %v", list)
		}
		audit := s.do("GET", "/admin/api/v1/audit?action=export_download", s.staffLogin("admin"), nil).must(t, 200)
		if audit.JSON["total"] != float64(1) || strings.Contains(string(audit.Body), payload) {
			t.Fatalf("download audit: %s", audit.Body)
		}
		if strings.Contains(s.Logs.String(), payload) {
			t.Fatal("a 采集码 reached the logs")
		}
	})
}

func sha(b []byte) string { return fmt.Sprintf("%x", sha256.Sum256(b)) }

func errorRows(r *response) []int {
	var rows []int
	for _, e := range r.JSON["errors"].([]any) {
		rows = append(rows, int(e.(map[string]any)["row"].(float64)))
	}
	return rows
}

func countSMS(s *server, phone, want string) int {
	n := 0
	list, _ := s.do("GET", "/sandbox/sms?phone="+phone, "", nil).JSON["messages"].([]any)
	for _, m := range list {
		if t, _ := m.(map[string]any)["text"].(string); strings.Contains(t, want) {
			n++
		}
	}
	return n
}
