package e2e

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"image/jpeg"
	"io"
	"sort"
	"strings"
	"testing"

	"github.com/gradphoto/gradphoto/internal/app"
)

// importRosterCSV is a 100-student roster (rows 2–101) of which rows 12, 50 and 77 are
// bad: no name, an unknown level, a 学号 already on row 2.
func importRosterCSV() (data []byte, badRows []int) {
	var b strings.Builder
	b.WriteString("\ufeff姓名,学号,学历层次,手机号码,已有学信网照片\n")
	for row := 2; row <= 101; row++ {
		name, no, level, phone := fmt.Sprintf("导入%c同学", rune('甲'+row%10)), fmt.Sprintf("2025%06d", row), "本科", fmt.Sprintf("139%08d", row)
		switch row {
		case 12:
			name = ""
		case 50:
			level = "博士"
		case 77:
			no = fmt.Sprintf("2025%06d", 2)
		}
		fmt.Fprintf(&b, "%s,%s,%s,%s,否\n", name, no, level, phone)
	}
	return []byte(b.String()), []int{12, 50, 77}
}

// imported is one student of importRosterCSV.
func imported(row int) student {
	return student{fmt.Sprintf("导入%c同学", rune('甲'+row%10)), fmt.Sprintf("2025%06d", row), "本科", fmt.Sprintf("139%08d", row)}
}

func TestSchoolAdminSupportJourney(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, s *server) {
		schoolAdmin, otherAdmin := s.staffLogin("school_admin"), s.staffLogin("school_admin_bj")
		support, admin, reviewer := s.staffLogin("support"), s.staffLogin("admin"), s.staffLogin("reviewer")
		east := "/admin/api/v1/schools/" + app.DemoSchoolID

		// The school admin imports a roster: 97 good rows stored, exactly the 3 bad ones reported.
		roster, bad := importRosterCSV()
		r := s.upload(east+"/roster", schoolAdmin, "file", "名单.csv", roster).must(t, 200)
		var rows []int
		for _, e := range r.JSON["errors"].([]any) {
			e := e.(map[string]any)
			if msg, _ := e["message"].(string); !hasHan(msg) {
				t.Errorf("row error without a Chinese reason: %v", e)
			}
			rows = append(rows, int(e["row"].(float64)))
		}
		sort.Ints(rows)
		if fmt.Sprint(rows) != fmt.Sprint(bad) || r.JSON["created"] != float64(97) || r.JSON["updated"] != float64(0) {
			t.Fatalf("import: %s", r.Body)
		}
		if r := s.upload(east+"/roster", schoolAdmin, "file", "名单.csv", roster).must(t, 200); r.JSON["created"] != float64(0) || r.JSON["updated"] != float64(97) {
			t.Fatalf("re-import: %s", r.Body)
		}

		// Student A goes the whole way with a real photo: checks, payment, review, approval.
		a := imported(5)
		tokA := s.login("admin-journey-a")
		idA := s.verify(tokA, a)
		s.photoOK(tokA, idA)
		s.payAndWaitForReview(tokA, idA)
		claim := s.do("POST", "/admin/api/v1/reviews/claim", reviewer, nil).must(t, 200).JSON["review"].(map[string]any)
		s.do("POST", fmt.Sprintf("/admin/api/v1/reviews/%v/decision", claim["id"]), reviewer, `{"decision":"approve"}`).must(t, 200)

		// Student B pays; their review is not done yet.
		b := imported(6)
		tokB := s.login("admin-journey-b")
		idB := s.verify(tokB, b)
		s.photoOK(tokB, idB)
		s.payAndWaitForReview(tokB, idB)

		// Stats and the student list, as the school admin sees them.
		st := s.do("GET", east+"/stats", schoolAdmin, nil).must(t, 200).JSON
		by := st["by_status"].(map[string]any)
		if by["approved"] != float64(1) || by["in_review"] != float64(1) || by["rejected"] != float64(0) ||
			st["paid_total_fen"] != float64(4000) || st["overdue_reviews"] != float64(0) {
			t.Fatalf("stats: %v", st)
		}
		list := s.do("GET", east+"/students?status=approved&page_size=10", schoolAdmin, nil).must(t, 200)
		students := list.JSON["students"].([]any)
		if list.JSON["total"] != float64(1) || students[0].(map[string]any)["student_no"] != a.No ||
			students[0].(map[string]any)["phone_masked"] != a.Phone[:3]+"****"+a.Phone[7:] || bytes.Contains(list.Body, []byte(a.Phone)) {
			t.Fatalf("students: %s", list.Body)
		}
		if r := s.do("GET", east+"/students?q="+b.No, schoolAdmin, nil).must(t, 200); r.JSON["total"] != float64(1) {
			t.Fatalf("search by 学号: %s", r.Body)
		}
		s.do("GET", east+"/students?page_size=201", schoolAdmin, nil).must(t, 400)
		zhao := s.do("GET", east+"/students?q="+zhaoLiu.No, schoolAdmin, nil).must(t, 200).JSON["students"].([]any)
		if len(zhao) != 1 || zhao[0].(map[string]any)["already_has_chsi_photo"] != true {
			t.Fatalf("the roster's 学信网-photo flag is not shown: %v", zhao)
		}

		// The export: a batch with a 480×640 JPEG photos/<学号>.jpg and a manifest listing
		// the student with their 采集码 (the full delivery journey: TestDeliveryToCHSI).
		zr := s.do("GET", east+"/export", schoolAdmin, nil).must(t, 200)
		if zr.Header.Get("X-Export-Batch") == "" || zr.Header.Get("X-Export-Count") != "1" {
			t.Fatalf("export headers %v", zr.Header)
		}
		files := unzip(t, zr.Body)
		jpg := files["photos/"+a.No+".jpg"]
		img, err := jpeg.Decode(bytes.NewReader(jpg))
		if err != nil {
			t.Fatalf("export photo: %v (files %v)", err, names(files))
		}
		if img.Bounds().Dx() != 480 || img.Bounds().Dy() != 640 {
			t.Fatalf("export photo is %v", img.Bounds())
		}
		manifest, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(files["manifest.csv"], []byte("\ufeff")))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(jpg)
		if len(manifest) != 2 || fmt.Sprint(manifest[1][:3], manifest[1][4:6]) != fmt.Sprint([]string{a.No, a.Name, "本科"}, []string{"photos/" + a.No + ".jpg", hex.EncodeToString(sum[:])}) ||
			!strings.HasPrefix(manifest[1][3], "CHSI:") {
			t.Fatalf("manifest %v", manifest)
		}
		if c := collectionOf(s.do("GET", "/api/v1/collections/"+idA, tokA, nil).must(t, 200)); c["status"] != "exported" || c["status_text"] != "审核成功（学校整理报送中）" {
			t.Fatalf("after export: %v %v", c["status"], c["status_text"])
		}
		if code := s.do("GET", east+"/export", schoolAdmin, nil).must(t, 409).errCode(); code != "nothing_to_export" {
			t.Fatalf("a second export should hold nothing new: %s", code)
		}
		if files := unzip(t, s.do("GET", east+"/export?all=1", schoolAdmin, nil).must(t, 200).Body); files["photos/"+a.No+".jpg"] == nil {
			t.Fatal("all=1 should export the exported photo again")
		}

		// Support finds B by phone and refunds the order whose review is not done.
		look := s.do("GET", "/admin/api/v1/lookup?phone="+b.Phone, support, nil).must(t, 200)
		if bytes.Contains(look.Body, []byte(b.Phone)) {
			t.Fatalf("the look-up shows the phone unmasked: %s", look.Body)
		}
		res := look.JSON["results"].([]any)[0].(map[string]any)
		order, _ := res["order"].(map[string]any)
		if res["collection"].(map[string]any)["id"] != idB || order == nil || order["status"] != "paid" ||
			res["review"].(map[string]any)["status"] != "pending" || res["refundable"] != true {
			t.Fatalf("look-up: %s", look.Body)
		}
		otnB := order["out_trade_no"].(string)
		if r := s.do("GET", "/admin/api/v1/lookup?out_trade_no="+otnB, support, nil).must(t, 200); len(r.JSON["results"].([]any)) != 1 {
			t.Fatalf("look-up by order: %s", r.Body)
		}
		s.do("GET", "/admin/api/v1/lookup?student_no="+a.No, support, nil).must(t, 200)
		s.do("GET", "/admin/api/v1/lookup", support, nil).must(t, 400)
		s.do("POST", "/admin/api/v1/orders/"+otnB+"/refund", support, map[string]string{"reason": " "}).must(t, 400)
		r = s.do("POST", "/admin/api/v1/orders/"+otnB+"/refund", support, map[string]string{"reason": "学生申请退款"}).must(t, 200)
		if st := r.JSON["order"].(map[string]any)["status"]; st != "refunding" && st != "refunded" {
			t.Fatalf("refund: %s", r.Body)
		}
		// The refunded student leaves the review queue and may pay again later.
		if c := collectionOf(s.do("GET", "/api/v1/collections/"+idB, tokB, nil).must(t, 200)); c["status"] != "photo_ok" || c["review"] != nil {
			t.Fatalf("collection after the refund: %v", c)
		}
		s.do("POST", "/admin/api/v1/reviews/claim", s.staffLogin("reviewer2"), nil).must(t, 204)
		// A's photo is approved (and exported): support may not refund it, an admin may.
		lookA := s.do("GET", "/admin/api/v1/lookup?student_no="+a.No, support, nil).must(t, 200)
		otnA := lookA.JSON["results"].([]any)[0].(map[string]any)["order"].(map[string]any)["out_trade_no"].(string)
		if code := s.do("POST", "/admin/api/v1/orders/"+otnA+"/refund", support, map[string]string{"reason": "x"}).must(t, 409).errCode(); code != "refund_after_approval" {
			t.Fatalf("code %s", code)
		}

		// The other school's administrator: 404 for everything of this school, 403 for
		// support's and admins' endpoints.
		for _, c := range []struct{ method, path string }{
			{"GET", east + "/students"}, {"GET", east + "/stats"}, {"GET", east + "/export"}, {"GET", east + "/export?all=1"},
			{"GET", east + "/students?status=approved"},
		} {
			if r := s.do(c.method, c.path, otherAdmin, nil); r.Status != 404 {
				t.Errorf("%s %s by school_admin_bj: %d %s", c.method, c.path, r.Status, r.Body)
			}
		}
		if r := s.upload(east+"/roster", otherAdmin, "file", "r.csv", roster); r.Status != 404 {
			t.Errorf("roster import by school_admin_bj: %d", r.Status)
		}
		for _, c := range []struct{ method, path string }{
			{"GET", "/admin/api/v1/lookup?phone=" + b.Phone}, {"GET", "/admin/api/v1/lookup?out_trade_no=" + otnA},
			{"POST", "/admin/api/v1/orders/" + otnA + "/refund"}, {"GET", "/admin/api/v1/audit"},
			{"POST", "/admin/api/v1/schools"}, {"PATCH", "/admin/api/v1/schools/" + app.DemoSchoolID},
		} {
			if r := s.do(c.method, c.path, otherAdmin, map[string]string{"reason": "x"}); r.Status != 403 {
				t.Errorf("%s %s by school_admin_bj: %d %s", c.method, c.path, r.Status, r.Body)
			}
		}
		// ... and sees their own school; this school's admin does not.
		s.do("GET", "/admin/api/v1/schools/"+app.DemoOtherSchool+"/stats", otherAdmin, nil).must(t, 200)
		s.do("GET", "/admin/api/v1/schools/"+app.DemoOtherSchool+"/students", schoolAdmin, nil).must(t, 404)
		s.do("GET", "/admin/api/v1/schools/no-such-school/stats", admin, nil).must(t, 404)
		if s.do("GET", east+"/stats", support, nil).Status != 403 || s.do("GET", east+"/stats", reviewer, nil).Status != 403 {
			t.Error("support and reviewers have no school statistics")
		}

		// Schools (admin only).
		r = s.do("POST", "/admin/api/v1/schools", admin, map[string]any{"id": "e2e-school", "name": "测试大学", "province": "山东",
			"aliases": []string{"测大"}, "levels": []string{"本科"}, "price_fen": 1500}).must(t, 201)
		if r.JSON["school"].(map[string]any)["price_fen"] != float64(1500) {
			t.Fatalf("create school: %s", r.Body)
		}
		r = s.do("PATCH", "/admin/api/v1/schools/e2e-school", admin, map[string]any{"price_fen": 1800, "levels": []string{"本科", "专科"}}).must(t, 200)
		if sc := r.JSON["school"].(map[string]any); sc["price_fen"] != float64(1800) || len(sc["levels"].([]any)) != 2 || sc["name"] != "测试大学" {
			t.Fatalf("patch school: %s", r.Body)
		}
		s.do("PATCH", "/admin/api/v1/schools/e2e-school", schoolAdmin, map[string]any{"price_fen": 1}).must(t, 403)
		s.do("PATCH", "/admin/api/v1/schools/e2e-school", admin, map[string]any{"price_fen": -1}).must(t, 400)

		// The audit trail saw all of it; only admins read it.
		s.do("POST", "/admin/api/v1/login", "", map[string]string{"username": "support", "password": "wrong-password"}).must(t, 401)
		for action, want := range map[string]int{"refund_requested": 1, "refund": 1, "refund_failed": 1} {
			// One refund asked for and done (B); one refused by the rule (support on approved A).
			r := s.do("GET", "/admin/api/v1/audit?action="+action, admin, nil).must(t, 200)
			if r.JSON["total"].(float64) != float64(want) {
				t.Errorf("audit %s: want %d: %s", action, want, r.Body)
			}
		}
		if e := s.do("GET", "/admin/api/v1/audit?action=refund_failed", admin, nil).JSON["entries"].([]any)[0].(map[string]any); e["detail"].(map[string]any)["code"] != "refund_after_approval" {
			t.Errorf("refused refund audit: %v", e)
		}
		for action, min := range map[string]int{"staff_login": 5, "staff_login_failed": 1, "roster_import": 2, "export": 2,
			"lookup": 4, "school_create": 1, "school_update": 1} {
			r := s.do("GET", "/admin/api/v1/audit?action="+action, admin, nil).must(t, 200)
			if r.JSON["total"].(float64) < float64(min) {
				t.Errorf("audit %s: %s", action, r.Body)
			}
		}
		r = s.do("GET", "/admin/api/v1/audit?action=refund&actor=support", admin, nil).must(t, 200)
		e := r.JSON["entries"].([]any)[0].(map[string]any)
		if e["target"] != otnB || e["role"] != "support" || e["detail"].(map[string]any)["reason"] != "学生申请退款" {
			t.Fatalf("refund audit: %s", r.Body)
		}
		s.do("GET", "/admin/api/v1/audit", schoolAdmin, nil).must(t, 403)
		s.do("GET", "/admin/api/v1/audit", support, nil).must(t, 403)
		if logs := s.Logs.String(); strings.Contains(logs, a.Phone) || strings.Contains(logs, b.Phone) || strings.Contains(logs, a.Name) {
			t.Fatal("personal data reached the logs")
		}
	})
}

// codeAndCompliantPhoto uploads a capture code and testdata/compliant.jpg (built from
// internal/photo's fixture code), through the real checks, to photo_ok.

func unzip(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("not a ZIP: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name], err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func names(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
