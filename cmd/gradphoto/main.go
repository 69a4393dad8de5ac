// Command gradphoto is the one binary of the service: the HTTP server and the
// staff tools (migrate, seed-demo, import-roster, check-photo, decode-code, ...).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// command is one sub-command. Each lives in its own file and registers itself in init.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *cliEnv, args []string) int
}

// cliEnv is what every sub-command gets: its output streams and the global flags.
type cliEnv struct {
	stdout     io.Writer
	stderr     io.Writer
	configPath string
}

var commands = map[string]command{}

func register(c command) { commands[c.name] = c }

func main() {
	os.Exit(runMain(os.Args[1:], os.Stdout, os.Stderr))
}

func runMain(args []string, stdout, stderr io.Writer) int {
	global := flag.NewFlagSet("gradphoto", flag.ContinueOnError)
	global.SetOutput(stderr)
	configPath := global.String("config", "", "YAML config file (default configs/config.yaml when present)")
	global.Usage = func() { usage(stderr) }
	if err := global.Parse(args); err != nil {
		return 2
	}
	rest := global.Args()
	if len(rest) == 0 {
		usage(stderr)
		return 2
	}
	cmd, ok := commands[rest[0]]
	if !ok {
		fmt.Fprintf(stderr, "gradphoto: unknown command %q\n\n", rest[0])
		usage(stderr)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return cmd.run(ctx, &cliEnv{stdout: stdout, stderr: stderr, configPath: *configPath}, rest[1:])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: gradphoto [--config FILE] COMMAND [ARGS]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-15s %s\n", n, commands[n].summary)
	}
}
