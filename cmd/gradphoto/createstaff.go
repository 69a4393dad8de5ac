package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gradphoto/gradphoto/internal/auth"
	"github.com/gradphoto/gradphoto/internal/config"
)

func init() {
	register(command{name: "create-staff", summary: "create a staff account or reset its password, role and school", run: runCreateStaff})
}

// runCreateStaff provisions staff accounts (the first admin of a production install).
// The password never appears on the command line, where ps and shell history would
// keep it: it is read from standard input (--password-stdin) or GRADPHOTO_STAFF_PASSWORD.
func runCreateStaff(ctx context.Context, env *cliEnv, args []string) int {
	return createStaff(ctx, env, args, os.Stdin)
}

func createStaff(ctx context.Context, env *cliEnv, args []string, stdin io.Reader) int {
	fs := flag.NewFlagSet("create-staff", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	username := fs.String("username", "", "login name")
	role := fs.String("role", "", "admin | school_admin | reviewer | support")
	schoolID := fs.String("school", "", "school id (school_admin only)")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	fs.Usage = func() {
		fmt.Fprintln(env.stderr, "usage: gradphoto create-staff --username U --role R [--school ID] [--password-stdin]")
		fmt.Fprintln(env.stderr, "the password comes from standard input with --password-stdin, else from "+config.StaffPasswordEnv)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 || *username == "" || *role == "" {
		fs.Usage()
		return 2
	}
	var password string
	if *fromStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && err != io.EOF {
			fmt.Fprintln(env.stderr, "gradphoto create-staff: reading the password:", err)
			return 1
		}
		password = strings.TrimRight(line, "\r\n")
	} else if p, ok := config.StaffPassword(); ok {
		password = p
	} else {
		fmt.Fprintln(env.stderr, "gradphoto create-staff: no password: pass --password-stdin or set "+config.StaffPasswordEnv)
		return 2
	}
	a, code := setup(ctx, env)
	if a == nil {
		return code
	}
	defer a.Close()
	acc, err := a.Auth.UpsertStaff(ctx, auth.StaffInput{Username: *username, Password: password, Role: *role, SchoolID: *schoolID})
	if err != nil {
		fmt.Fprintln(env.stderr, "gradphoto create-staff:", describe(err))
		return 1
	}
	school := ""
	if acc.SchoolID != nil {
		school = ", school " + *acc.SchoolID
	}
	fmt.Fprintf(env.stdout, "staff account %s: role %s%s\n", acc.Username, acc.Role, school)
	return 0
}
