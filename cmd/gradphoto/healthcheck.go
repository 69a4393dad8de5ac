package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/gradphoto/gradphoto/internal/config"
)

func init() {
	register(command{name: "healthcheck", summary: "exit 0 when the local server answers /healthz (--ready: /readyz); the Docker image's HEALTHCHECK", run: runHealthcheck})
}

// runHealthcheck asks the server configured here (its http.addr, on loopback) whether it
// is alive, or with --ready whether it is ready. The distroless image has no curl.
func runHealthcheck(ctx context.Context, env *cliEnv, args []string) int {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	ready := fs.Bool("ready", false, "check /readyz (the database answers) instead of /healthz")
	timeout := fs.Duration("timeout", 3*time.Second, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := config.Load(env.configPath)
	if err != nil {
		fmt.Fprintln(env.stderr, err)
		return 1
	}
	path := "/healthz"
	if *ready {
		path = "/readyz"
	}
	url := "http://" + loopback(cfg.HTTP.Addr) + path
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintln(env.stderr, "gradphoto healthcheck:", err)
		return 1
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(env.stderr, "gradphoto healthcheck:", err)
		return 1
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		fmt.Fprintf(env.stderr, "gradphoto healthcheck: %s answered %d\n", url, res.StatusCode)
		return 1
	}
	fmt.Fprintf(env.stdout, "%s: ok\n", url)
	return 0
}

// loopback turns a listen address (":8080", "0.0.0.0:8080", "[::]:8080") into one to dial.
func loopback(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
