package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gradphoto/gradphoto/internal/photo"
)

const photoTestdata = "../../internal/photo/testdata"

func runCheckPhotoForTest(t *testing.T, configPath string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := &cliEnv{stdout: &stdout, stderr: &stderr, configPath: configPath}
	code := runCheckPhoto(context.Background(), env, args)
	return code, stdout.String(), stderr.String()
}

func writePhotoConfig(t *testing.T, yaml string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheckPhotoJSON(t *testing.T) {
	portrait := filepath.Join(photoTestdata, "frontal_glasses_01.jpg") // real portrait before a flag
	group := filepath.Join(photoTestdata, "group_04.jpg")
	missing := filepath.Join(t.TempDir(), "missing.jpg")
	cfg := writePhotoConfig(t, "photo:\n  profiles:\n    huge_files_only:\n      min_file_bytes: 100000000\n")

	tests := []struct {
		name     string
		args     []string
		wantCode int
		// per output line: file suffix and check ids that must fail
		want []struct {
			file   string
			failed []string
		}
	}{
		{name: "two readable photos", args: []string{"--json", portrait, group}, wantCode: 0,
			want: []struct {
				file   string
				failed []string
			}{{"frontal_glasses_01.jpg", []string{photo.CheckBackgroundBlue}}, {"group_04.jpg", []string{photo.CheckSingleFace}}}},
		{name: "an unreadable file exits non-zero", args: []string{"--json", missing, portrait}, wantCode: 1,
			want: []struct {
				file   string
				failed []string
			}{{"missing.jpg", nil}, {"frontal_glasses_01.jpg", []string{photo.CheckBackgroundBlue}}}},
		{name: "profile from config", args: []string{"--json", "--profile", "huge_files_only", portrait}, wantCode: 0,
			want: []struct {
				file   string
				failed []string
			}{{"frontal_glasses_01.jpg", []string{photo.CheckFileSize}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCheckPhotoForTest(t, cfg, tc.args...)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d; stderr %s", code, tc.wantCode, errOut)
			}
			sc := bufio.NewScanner(strings.NewReader(out))
			i := 0
			for sc.Scan() {
				var line struct {
					File   string        `json:"file"`
					Passed bool          `json:"passed"`
					Checks []photo.Check `json:"checks"`
					MS     float64       `json:"ms"`
					Error  string        `json:"error"`
				}
				if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
					t.Fatalf("line %d %q: %v", i, sc.Text(), err)
				}
				if i >= len(tc.want) {
					t.Fatalf("extra line %s", sc.Text())
				}
				w := tc.want[i]
				if !strings.HasSuffix(line.File, w.file) {
					t.Errorf("line %d file %s, want …%s", i, line.File, w.file)
				}
				if w.failed == nil {
					if line.Error != "unreadable" {
						t.Errorf("line %d: error %q, want unreadable", i, line.Error)
					}
				} else {
					if line.Passed || line.MS <= 0 || len(line.Checks) < 20 {
						t.Errorf("line %d: passed=%v ms=%v with %d checks", i, line.Passed, line.MS, len(line.Checks))
					}
					for _, id := range w.failed {
						found := false
						for _, c := range line.Checks {
							if c.ID == id {
								found = true
								if c.Passed || c.Message == "" || c.Limit == "" {
									t.Errorf("%s: %+v, want a failure with message and limit", id, c)
								}
							}
						}
						if !found {
							t.Errorf("%s missing", id)
						}
					}
				}
				i++
			}
			if i != len(tc.want) {
				t.Fatalf("%d lines, want %d:\n%s", i, len(tc.want), out)
			}
		})
	}
}

func TestCheckPhotoText(t *testing.T) {
	portrait := filepath.Join(photoTestdata, "frontal_glasses_01.jpg")
	code, out, _ := runCheckPhotoForTest(t, writePhotoConfig(t, "photo: {}\n"), portrait)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(out, "FAIL 不通过") || !strings.Contains(out, "FAIL background_blue") || !strings.Contains(out, "ok   single_face") {
		t.Fatalf("output:\n%s", out)
	}
}

func TestCheckPhotoUsage(t *testing.T) {
	cfg := writePhotoConfig(t, "photo: {}\n")
	portrait := filepath.Join(photoTestdata, "frontal_glasses_01.jpg")
	for _, tc := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no files", nil, 2, "usage"},
		{"unknown profile", []string{"--profile", "nope", portrait}, 2, `"nope"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCheckPhotoForTest(t, cfg, tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.msg) {
				t.Fatalf("exit %d stderr %q, want %d and %q", code, errOut, tc.code, tc.msg)
			}
		})
	}
	bad := writePhotoConfig(t, "photo:\n  profiles:\n    x:\n      min_file_byte: 1\n")
	if code, _, errOut := runCheckPhotoForTest(t, bad, portrait); code != 1 || !strings.Contains(errOut, "min_file_byte") {
		t.Fatalf("bad profile key: exit %d stderr %q", code, errOut)
	}
}

// TestCheckPhotoOut: --json carries "standard" per file and --out writes the
// 480×640 standard photo of each file that has one, named <name>.std.jpg.
func TestCheckPhotoOut(t *testing.T) {
	std := filepath.Join(photoTestdata, "standard_480x640.jpg")
	cat := filepath.Join(photoTestdata, "noface_03_cat.png")
	out := filepath.Join(t.TempDir(), "std")
	code, stdout, errOut := runCheckPhotoForTest(t, "", "--json", "--out", out, std, cat)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines: %s", len(lines), stdout)
	}
	var first, second map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &second); err != nil {
		t.Fatal(err)
	}
	st, _ := first["standard"].(map[string]any)
	if st["standardized"] != true || len(st["crop"].([]any)) != 4 || st["scale"] == nil {
		t.Fatalf("standard %v", first["standard"])
	}
	if st2, _ := second["standard"].(map[string]any); st2 == nil || st2["standardized"] != false {
		t.Fatalf("the cat's standard %v", second["standard"])
	}
	data, err := os.ReadFile(filepath.Join(out, "standard_480x640.std.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width != 480 || cfg.Height != 640 {
		t.Fatalf("written standard photo %dx%d: %v", cfg.Width, cfg.Height, err)
	}
	if _, err := os.Stat(filepath.Join(out, "noface_03_cat.std.jpg")); !os.IsNotExist(err) {
		t.Fatalf("a photo without a standard crop got a file: %v", err)
	}
}
