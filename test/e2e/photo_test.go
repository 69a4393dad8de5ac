package e2e

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"os"
	"testing"
)

// compliantPhoto is a real face (internal/photo's fixtures) on the standard blue at
// the standard geometry; it passes every check.
func compliantPhoto(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/compliant.jpg")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeJPEG(t testing.TB, b []byte) image.Image {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func reencoded(t testing.TB, b []byte, quality int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, decodeJPEG(t, b), &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// greyPhoto is the compliant photo in black and white.
func greyPhoto(t testing.TB) []byte {
	src := decodeJPEG(t, compliantPhoto(t))
	grey := image.NewGray(src.Bounds())
	draw.Draw(grey, grey.Bounds(), src, src.Bounds().Min, draw.Src)
	var buf bytes.Buffer
	jpeg.Encode(&buf, grey, &jpeg.Options{Quality: 95})
	return buf.Bytes()
}

// offCentre shifts the compliant photo sideways by a fifth of its width, filling with its blue.
func offCentre(t testing.TB) []byte {
	src := decodeJPEG(t, compliantPhoto(t))
	b := src.Bounds()
	out := image.NewRGBA(b)
	blue := src.At(b.Min.X+5, b.Min.Y+5)
	draw.Draw(out, b, &image.Uniform{blue}, image.Point{}, draw.Src)
	dx := b.Dx() / 5
	draw.Draw(out, b.Add(image.Pt(dx, 0)), src, b.Min, draw.Src)
	var buf bytes.Buffer
	jpeg.Encode(&buf, out, &jpeg.Options{Quality: 95})
	return buf.Bytes()
}

func pngOf(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	png.Encode(&buf, decodeJPEG(t, b))
	return buf.Bytes()
}

func failedChecks(r *response) map[string]bool {
	out := map[string]bool{}
	details, _ := r.JSON["error"].(map[string]any)["details"].(map[string]any)
	checks, _ := details["checks"].([]any)
	for _, c := range checks {
		m := c.(map[string]any)
		if m["passed"] == false && m["severity"] == "error" {
			out[m["id"].(string)] = true
		}
	}
	return out
}

func TestPhotoUpload(t *testing.T) {
	s := startServer(t)
	tok := s.login("photo")
	id := s.verify(tok, zhangSan)
	path := "/api/v1/collections/" + id + "/photo"

	// Before the capture code the photo step is not open.
	if r := s.upload(path, tok, "photo", "p.jpg", compliantPhoto(t)).must(t, 409); r.errCode() != "wrong_step" {
		t.Fatalf("%s", r.Body)
	}
	s.upload("/api/v1/collections/"+id+"/capture-code", tok, "image", "code.png", codeScreenshot(t, newPayload(t))).must(t, 200)

	tiny := image.NewRGBA(image.Rect(0, 0, 120, 160))
	draw.Draw(tiny, tiny.Bounds(), &image.Uniform{color.RGBA{67, 142, 219, 255}}, image.Point{}, draw.Src)
	var tinyJPEG bytes.Buffer
	jpeg.Encode(&tinyJPEG, tiny, nil)

	rejected := []struct {
		name string
		data []byte
		want []string
	}{
		{"black and white", greyPhoto(t), []string{"color_mode"}},
		{"head off centre", offCentre(t), []string{"face_centered"}},
		{"PNG named .jpg", pngOf(t, compliantPhoto(t)), []string{"format_jpeg"}},
		{"too small, no face", tinyJPEG.Bytes(), []string{"file_size", "dimensions", "single_face"}},
	}
	for _, tc := range rejected {
		t.Run(tc.name, func(t *testing.T) {
			r := s.upload(path, tok, "photo", "p.jpg", tc.data).must(t, 422)
			if r.errCode() != "photo_rejected" {
				t.Fatalf("%s", r.Body)
			}
			failed := failedChecks(r)
			for _, id := range tc.want {
				if !failed[id] {
					t.Errorf("check %s should fail; failed: %v", id, failed)
				}
			}
			if st := collectionOf(s.do("GET", "/api/v1/collections/"+id, tok, nil))["status"]; st != "code_ok" {
				t.Fatalf("a rejected photo moved the collection to %v", st)
			}
		})
	}

	// Not images at all: a clear 4xx, never a 500.
	for name, data := range map[string][]byte{"random bytes": []byte("not a photo at all, honestly"), "GIF": []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")} {
		r := s.upload(path, tok, "photo", "p.jpg", data)
		if r.Status < 400 || r.Status >= 500 {
			t.Fatalf("%s: %d %s", name, r.Status, r.Body)
		}
	}

	// No accepted photo yet: no standard photo.
	if r := s.do("GET", path+"/standard", tok, nil).must(t, 404); r.errCode() != "standard_photo_not_available" {
		t.Fatalf("%s", r.Body)
	}

	r := s.upload(path, tok, "photo", "p.jpg", compliantPhoto(t)).must(t, 200)
	c := collectionOf(r)
	std, _ := r.JSON["standard"].(map[string]any)
	crop, _ := std["crop"].([]any)
	if std["standardized"] != true || len(crop) != 4 || std["scale"] == nil {
		t.Fatalf("standard %v", r.JSON["standard"])
	}
	if u, _ := c["photo"].(map[string]any)["standard_url"].(string); u != path+"/standard" {
		t.Fatalf("standard_url %q", u)
	}
	// The student previews the standard photo: 480×640, a JPEG.
	sr := s.do("GET", path+"/standard", tok, nil).must(t, 200)
	if ct := sr.Header.Get("Content-Type"); ct != "image/jpeg" {
		t.Fatalf("content type %q", ct)
	}
	if b := decodeJPEG(t, sr.Body).Bounds(); b.Dx() != 480 || b.Dy() != 640 {
		t.Fatalf("standard photo %v", b)
	}
	// Only its owner sees it.
	other := s.login("photo-other")
	s.do("GET", path+"/standard", other, nil).must(t, 404)
	if c["status"] != "photo_ok" || c["photo"] == nil {
		t.Fatalf("%s", r.Body)
	}
	checks, _ := r.JSON["checks"].([]any)
	if len(checks) < 20 {
		t.Fatalf("expected every check in the answer, got %d", len(checks))
	}
	for _, ch := range checks {
		m := ch.(map[string]any)
		if m["id"] == "" || m["message"] == "" || m["limit"] == "" {
			t.Fatalf("incomplete check %v", m)
		}
	}
	// Until approval the student cannot download it.
	s.do("GET", path, tok, nil).must(t, 404)
}
