package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/user"
	"path/filepath"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/gradphoto/gradphoto/internal/apperr"
	"github.com/gradphoto/gradphoto/internal/audit"
	"github.com/gradphoto/gradphoto/internal/auth"
)

func init() {
	register(command{name: "import-roster", summary: "import a school's roster from CSV or XLSX (exit 3: some rows were bad)", run: runImportRoster})
}

// Exit status of import-roster when the good rows were stored but some rows were bad.
const exitSomeRowsBad = 3

// runImportRoster imports FILE for --school, as the staff API does (same parser, same
// batches, an audit entry naming the operating-system user), with a progress bar when
// standard error is a terminal.
func runImportRoster(ctx context.Context, env *cliEnv, args []string) int {
	fs := flag.NewFlagSet("import-roster", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	schoolID := fs.String("school", "", "school id")
	fs.Usage = func() {
		fmt.Fprintln(env.stderr, "usage: gradphoto import-roster FILE --school ID")
		fs.PrintDefaults()
	}
	// The file may come before or after the flags.
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(files) != 1 || *schoolID == "" {
		fs.Usage()
		return 2
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		fmt.Fprintln(env.stderr, "gradphoto import-roster:", err)
		return 1
	}
	a, code := setup(ctx, env)
	if a == nil {
		return code
	}
	defer a.Close()

	who := audit.Actor{Username: "cli", Role: auth.RoleAdmin}
	if u, err := user.Current(); err == nil {
		who.Username = "cli:" + u.Username
	}
	var bar *progressbar.ProgressBar
	progress := func(done, total int) {
		if bar == nil {
			bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(env.stderr), progressbar.OptionSetDescription("导入名单"),
				progressbar.OptionShowCount(), progressbar.OptionSetWidth(30), progressbar.OptionClearOnFinish())
		}
		_ = bar.Set(done)
	}
	if f, ok := env.stderr.(*os.File); !ok || !term.IsTerminal(int(f.Fd())) {
		progress = nil
	}
	res, err := a.Importer.Import(ctx, who, *schoolID, filepath.Base(files[0]), data, progress)
	if bar != nil {
		_ = bar.Finish()
	}
	if err != nil {
		fmt.Fprintln(env.stderr, "gradphoto import-roster:", describe(err))
		return 1
	}
	for _, e := range res.Errors {
		fmt.Fprintf(env.stdout, "第%d行：%s\n", e.Row, e.Message)
	}
	fmt.Fprintf(env.stdout, "created %d, updated %d, bad rows %d\n", res.Created, res.Updated, len(res.Errors))
	if len(res.Errors) > 0 {
		return exitSomeRowsBad
	}
	return 0
}

// describe prints a domain error for an operator: its message and code, and the cause
// of an internal one.
func describe(err error) string {
	var e *apperr.Error
	if errors.As(err, &e) {
		if e.Kind == apperr.KindInternal || e.Kind == apperr.KindUnavailable {
			return err.Error()
		}
		return e.Message + " (" + e.Code + ")"
	}
	return err.Error()
}
