package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const corpusDir = "../../internal/capturecode/testdata/corpus"

// corpusPayload reads the expected payload of a corpus file from its manifest.
func corpusPayload(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct{ File, Payload string }
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if c.File == file {
			return c.Payload
		}
	}
	t.Fatalf("%s not in the manifest", file)
	return ""
}

func TestDecodeCodeJSON(t *testing.T) {
	good := filepath.Join(corpusDir, "clean_750x1334.jpg")
	none := filepath.Join(corpusDir, "noqr_text.png")
	gif := filepath.Join(t.TempDir(), "anim.gif")
	if err := os.WriteFile(gif, []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code := runMain([]string{"decode-code", "--json", good, none, gif}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d, want 0 (every file was read); stderr: %s", code, errOut.String())
	}
	var lines []decodeLine
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var l decodeLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		lines = append(lines, l)
	}
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3:\n%s", len(lines), out.String())
	}
	want := []decodeLine{
		{File: good, OK: true, Text: corpusPayload(t, "clean_750x1334.jpg")},
		{File: none, Error: "qr_not_found"},
		{File: gif, Error: "unsupported_media_type"},
	}
	for i, w := range want {
		g := lines[i]
		if g.File != w.File || g.OK != w.OK || g.Text != w.Text || g.Error != w.Error {
			t.Errorf("line %d = %+v, want %+v", i, g, w)
		}
		if g.MS <= 0 && g.Error != "unsupported_media_type" {
			t.Errorf("line %d: ms = %v, want the decode time", i, g.MS)
		}
	}
}

func TestDecodeCodePlainAndMask(t *testing.T) {
	good := filepath.Join(corpusDir, "clean_750x1334.jpg")
	payload := corpusPayload(t, "clean_750x1334.jpg")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"plain", []string{"decode-code", good}, good + "\t" + payload + "\n"},
		{"masked", []string{"decode-code", "--mask", good}, good + "\t" + payload[:4] + "****" + payload[len(payload)-4:] + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := runMain(tt.args, &out, &errOut); code != 0 {
				t.Fatalf("exit %d; stderr %s", code, errOut.String())
			}
			if out.String() != tt.want {
				t.Fatalf("output %q, want %q", out.String(), tt.want)
			}
		})
	}
}

func TestDecodeCodeUnreadable(t *testing.T) {
	good := filepath.Join(corpusDir, "clean_750x1334.jpg")
	missing := filepath.Join(t.TempDir(), "missing.png")
	var out, errOut bytes.Buffer
	code := runMain([]string{"decode-code", "--json", missing, good}, &out, &errOut)
	if code == 0 {
		t.Fatal("exit 0 with an unreadable file")
	}
	if !strings.Contains(out.String(), `"error":"unreadable"`) || !strings.Contains(out.String(), `"ok":true`) {
		t.Fatalf("want a line for each file, the missing one unreadable:\n%s", out.String())
	}
}

func TestDecodeCodeUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := runMain([]string{"decode-code"}, &out, &errOut); code != 2 {
		t.Fatalf("exit %d without files, want 2", code)
	}
	if !strings.Contains(errOut.String(), "usage: gradphoto decode-code") {
		t.Fatalf("no usage on stderr: %q", errOut.String())
	}
}

func TestDecodeCodeValidate(t *testing.T) {
	// The default rules need 16–1024 characters; payload_16.jpg has exactly 16.
	file := filepath.Join(corpusDir, "payload_16.jpg")
	var out, errOut bytes.Buffer
	code := runMain([]string{"--config", writeConfig(t, "capture_code:\n  min_length: 17\n  max_length: 64\n"), "decode-code", "--json", "--validate", file}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d; stderr %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), `"error":"qr_invalid"`) {
		t.Fatalf("16-char payload with min_length 17: %s", out.String())
	}
}

func writeConfig(t *testing.T, yaml string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
