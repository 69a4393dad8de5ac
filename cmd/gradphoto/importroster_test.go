package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gradphoto/gradphoto/internal/config"
)

// staffCLI runs commands against a fresh sandbox data directory with the demo data.
type staffCLI struct {
	t   *testing.T
	dir string
}

func newStaffCLI(t *testing.T) *staffCLI {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("GRADPHOTO_DATA_DIR", dir)
	c := &staffCLI{t: t, dir: dir}
	if code, _, errOut := c.run(nil, "seed-demo"); code != 0 {
		t.Fatalf("seed-demo: %d %s", code, errOut)
	}
	return c
}

func (c *staffCLI) run(stdin *strings.Reader, args ...string) (int, string, string) {
	c.t.Helper()
	var out, errOut bytes.Buffer
	env := &cliEnv{stdout: &out, stderr: &errOut, configPath: filepath.Join(c.dir, "none.yaml")}
	if err := os.WriteFile(env.configPath, nil, 0o600); err != nil {
		c.t.Fatal(err)
	}
	var code int
	if stdin != nil {
		code = createStaff(context.Background(), env, args[1:], stdin)
	} else {
		code = commands[args[0]].run(context.Background(), env, args[1:])
	}
	return code, out.String(), errOut.String()
}

func TestImportRosterCommand(t *testing.T) {
	c := newStaffCLI(t)
	file := filepath.Join(c.dir, "名单.csv")
	if err := os.WriteFile(file, []byte("姓名,学号,层次\n甲,CLI001,本科\n乙,CLI002,硕士\n丙,CLI003,专科\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"file first", []string{"import-roster", file, "--school", "upc-east"}, exitSomeRowsBad, "第3行：层次“硕士”不正确，应为本科或专科\ncreated 2, updated 0, bad rows 1\n"},
		{"flags first, again", []string{"import-roster", "--school", "upc-east", file}, exitSomeRowsBad, "created 0, updated 2, bad rows 1\n"},
		{"unknown school", []string{"import-roster", file, "--school", "nope"}, 1, ""},
		{"no school", []string{"import-roster", file}, 2, ""},
		{"missing file", []string{"import-roster", filepath.Join(c.dir, "x.csv"), "--school", "upc-east"}, 1, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := c.run(nil, tc.args...)
			if code != tc.code || !strings.HasSuffix(out, tc.out) {
				t.Fatalf("exit %d out %q err %q; want %d %q", code, out, errOut, tc.code, tc.out)
			}
		})
	}
}

func TestCreateStaffCommand(t *testing.T) {
	c := newStaffCLI(t)
	cases := []struct {
		name  string
		stdin *strings.Reader
		env   string
		args  []string
		code  int
		out   string
	}{
		{"school admin, password on stdin", strings.NewReader("a-long-password\n"), "",
			[]string{"create-staff", "--username", "ops1", "--role", "school_admin", "--school", "upc-east", "--password-stdin"}, 0,
			"staff account ops1: role school_admin, school upc-east\n"},
		{"admin, password from the environment", nil, "another-password",
			[]string{"create-staff", "--username", "root2", "--role", "admin"}, 0, "staff account root2: role admin\n"},
		{"no password", nil, "", []string{"create-staff", "--username", "x", "--role", "admin"}, 2, ""},
		{"short password", strings.NewReader("short\n"), "", []string{"create-staff", "--username", "x", "--role", "admin", "--password-stdin"}, 1, ""},
		{"school admin without school", strings.NewReader("a-long-password\n"), "", []string{"create-staff", "--username", "x", "--role", "school_admin", "--password-stdin"}, 1, ""},
		{"unknown role", nil, "a-long-password", []string{"create-staff", "--username", "x", "--role", "boss"}, 1, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.env != "" {
				t.Setenv(config.StaffPasswordEnv, tc.env)
			}
			stdin := tc.stdin
			if stdin == nil {
				stdin = strings.NewReader("")
			}
			code, out, errOut := c.run(stdin, tc.args...)
			if code != tc.code || out != tc.out {
				t.Fatalf("exit %d out %q err %q; want %d %q", code, out, errOut, tc.code, tc.out)
			}
			if strings.Contains(out+errOut, "a-long-password") || strings.Contains(out+errOut, "another-password") {
				t.Fatal("the password was printed")
			}
		})
	}
}
