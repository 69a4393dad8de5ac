package main

import (
	"bytes"
	"net"
	"net/http"
	"strings"
	"testing"
)

func TestHealthcheck(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	status := http.StatusOK
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/readyz" {
			w.WriteHeader(status)
			return
		}
		w.WriteHeader(http.StatusOK)
	})}
	go srv.Serve(ln)
	defer srv.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	t.Setenv("GRADPHOTO_HTTP_ADDR", ":"+port) // a listen address: dialled on loopback
	t.Setenv("GRADPHOTO_DATA_DIR", t.TempDir())
	var out, errb bytes.Buffer
	if code := runMain([]string{"healthcheck"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "/healthz: ok") {
		t.Fatalf("alive server: exit %d, %q %q", code, out.String(), errb.String())
	}
	status = http.StatusServiceUnavailable
	errb.Reset()
	if code := runMain([]string{"healthcheck", "--ready"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "503") {
		t.Fatalf("not ready: exit %d, %q", code, errb.String())
	}
	srv.Close()
	if code := runMain([]string{"healthcheck"}, &out, &errb); code != 1 {
		t.Fatalf("no server: exit %d", code)
	}
}
