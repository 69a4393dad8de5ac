# gradphoto — the two commands a new user needs are `make run` and `make test`.
SHELL := /bin/bash
GO    ?= go
BIN   := bin/gradphoto
PKGS  := ./...
# Fuzz targets run briefly in `make test` (seconds each); longer with FUZZTIME=5m make fuzz.
FUZZTIME ?= 10s

.PHONY: run build mutate test test-go test-mysql test-miniprogram test-console fuzz bench vet lint clean docker

build:
	$(GO) build -o $(BIN) ./cmd/gradphoto

## make run: build, migrate + seed the embedded SQLite database under ./data, serve on :8080 (WeChat sandbox).
run: build
	$(BIN) seed-demo
	$(BIN) serve --walkthrough

## make mutate: the money checks' mutation test (each listed check removed in a copy; all must die). Slow: minutes.
mutate:
	$(GO) run ./test/mutate

vet:
	$(GO) vet $(PKGS)
	@test -z "$$(gofmt -l cmd internal test sql)" || { echo "gofmt needed:"; gofmt -l cmd internal test sql; exit 1; }

## make test: every test. The MySQL suites run when GRADPHOTO_TEST_MYSQL_DSN is set (CI sets it);
## the mini-program tests when Node is present; the console browser tests when Chromium is installed.
test: vet test-go fuzz test-miniprogram test-console

test-go:
	@if [ -z "$$GRADPHOTO_TEST_MYSQL_DSN" ]; then echo "note: GRADPHOTO_TEST_MYSQL_DSN not set: MySQL suites will skip (see README)"; fi
	$(GO) test -count=1 -timeout 20m $(PKGS)

fuzz:
	@for target in $$(grep -rl --include='*_test.go' '^func Fuzz' internal | xargs -n1 dirname | sort -u); do \
	  for f in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$target/*_test.go | sed 's/func //'); do \
	    echo "fuzz $$target $$f ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -parallel 1 ./$$target || { \
	      echo "fuzz $$f failed: running it once more, since Go's fuzzer reports spurious hangs while minimizing (golang/go#52569); the input it wrote is now a seed, so a real crash fails again"; \
	      $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -parallel 1 ./$$target || exit 1; }; \
	  done; \
	done

test-miniprogram:
	@if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then \
	  cd miniprogram && npm ci --no-audit --no-fund && npm test; \
	else echo "note: Node not found: mini-program tests skipped"; fi

test-console:
	@if [ -x /usr/bin/chromium ] && [ -d test/console ]; then \
	  cd test/console && npm ci --no-audit --no-fund && npm test; \
	else echo "note: Chromium (/usr/bin/chromium) not found: console browser tests skipped"; fi

## make bench: the speed and memory benchmarks quoted in README.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 2s -cpu 1 ./internal/...

clean:
	rm -rf bin data

docker:
	docker build -t gradphoto .
