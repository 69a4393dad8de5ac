package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"strings"
	"testing"

	qrcode "github.com/skip2/go-qrcode"
)

// newPayload makes an opaque, 学信网-like payload (base64 of random bytes).
func newPayload(t testing.TB) string {
	b := make([]byte, 60)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "CHSI:" + base64.RawURLEncoding.EncodeToString(b)
}

// codeScreenshot draws the payload's QR code into a 1080×2340 phone screenshot.
func codeScreenshot(t testing.TB, payload string) []byte {
	t.Helper()
	q, err := qrcode.New(payload, qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	qr := q.Image(600)
	shot := image.NewRGBA(image.Rect(0, 0, 1080, 2340))
	draw.Draw(shot, shot.Bounds(), &image.Uniform{color.RGBA{242, 242, 247, 255}}, image.Point{}, draw.Src)
	draw.Draw(shot, image.Rect(0, 0, 1080, 160), &image.Uniform{color.RGBA{20, 110, 220, 255}}, image.Point{}, draw.Src)
	draw.Draw(shot, image.Rect(240, 700, 840, 1300), qr, image.Point{}, draw.Src)
	var buf bytes.Buffer
	if err := png.Encode(&buf, shot); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCaptureCode(t *testing.T) {
	s := startServer(t)
	tok := s.login("capture")
	id := s.verify(tok, zhangSan)
	payload := newPayload(t)

	r := s.upload("/api/v1/collections/"+id+"/capture-code", tok, "image", "code.png", codeScreenshot(t, payload)).must(t, 200)
	c := collectionOf(r)
	if c["status"] != "code_ok" {
		t.Fatalf("status %v", c["status"])
	}
	cc := c["capture_code"].(map[string]any)
	masked := cc["masked"].(string)
	if masked == "" || strings.Contains(string(r.Body), payload) || !strings.Contains(masked, "*") {
		t.Fatalf("capture code should be shown masked only: %s", r.Body)
	}
	r = s.do("GET", "/api/v1/collections/"+id, tok, nil).must(t, 200)
	if collectionOf(r)["capture_code"].(map[string]any)["masked"] != masked {
		t.Fatal("masked code not kept")
	}
	if strings.Contains(s.Logs.String(), payload) {
		t.Fatal("the capture code appears in the logs")
	}

	t.Run("another student's code is refused", func(t *testing.T) {
		other := s.login("capture-other")
		oid := s.verify(other, liSi)
		r := s.upload("/api/v1/collections/"+oid+"/capture-code", other, "image", "code.png", codeScreenshot(t, payload)).must(t, 409)
		if r.errCode() != "code_in_use" {
			t.Fatalf("%s", r.Body)
		}
		if st := collectionOf(s.do("GET", "/api/v1/collections/"+oid, other, nil))["status"]; st != "confirmed" {
			t.Fatalf("a refused upload changed the status to %v", st)
		}
	})

	t.Run("re-upload before payment replaces the code", func(t *testing.T) {
		r := s.upload("/api/v1/collections/"+id+"/capture-code", tok, "image", "code.png", codeScreenshot(t, newPayload(t))).must(t, 200)
		if collectionOf(r)["capture_code"].(map[string]any)["masked"] == masked {
			t.Fatal("code not replaced")
		}
		// The first code is free again.
		third := s.login("capture-third")
		tid := s.verify(third, wangWu)
		s.upload("/api/v1/collections/"+tid+"/capture-code", third, "image", "code.png", codeScreenshot(t, payload)).must(t, 200)
	})

	t.Run("bad uploads", func(t *testing.T) {
		blank := image.NewRGBA(image.Rect(0, 0, 1080, 2340))
		draw.Draw(blank, blank.Bounds(), &image.Uniform{color.White}, image.Point{}, draw.Src)
		var buf bytes.Buffer
		png.Encode(&buf, blank)
		tooShort := codeScreenshot(t, "short")
		cases := []struct {
			name, field string
			data        []byte
			status      int
			code        string
		}{
			{"no QR", "image", buf.Bytes(), 422, "qr_not_found"},
			{"payload too short", "image", tooShort, 422, "qr_invalid"},
			{"random bytes", "image", []byte("this is not an image at all, just text"), 0, ""},
			{"wrong field", "photo", buf.Bytes(), 400, "file_missing"},
			{"over 10 MB", "image", make([]byte, 11<<20), 413, "file_too_large"},
			{"empty file", "image", nil, 400, "file_empty"},
		}
		other := s.login("capture-bad")
		oid := s.verify(other, student{"周同学", "2019010114", "本科", "13900000014"})
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := s.upload("/api/v1/collections/"+oid+"/capture-code", other, tc.field, "x.png", tc.data)
				if tc.status != 0 {
					r.must(t, tc.status)
					if r.errCode() != tc.code {
						t.Fatalf("code %s: %s", r.errCode(), r.Body)
					}
				} else if r.Status < 400 || r.Status >= 500 {
					t.Fatalf("status %d: %s", r.Status, r.Body)
				}
			})
		}
		if r := s.do("GET", "/api/v1/collections/"+oid, other, nil); collectionOf(r)["status"] != "confirmed" {
			t.Fatalf("bad uploads changed the collection: %s", r.Body)
		}
	})

	t.Run("not at this step", func(t *testing.T) {
		fresh := s.login("capture-early")
		r := s.do("POST", "/api/v1/collections", fresh, map[string]string{"school_id": "upc-east", "level": "本科", "name": "吴同学", "student_no": "2019010115", "phone": "13900000015"}).must(t, 201)
		eid := collectionOf(r)["id"].(string)
		r = s.upload("/api/v1/collections/"+eid+"/capture-code", fresh, "image", "code.png", codeScreenshot(t, newPayload(t))).must(t, 409)
		if r.errCode() != "wrong_step" {
			t.Fatalf("%s", r.Body)
		}
	})
}
