# gradphoto — the two commands a new user needs are `make run` and `make test`.
SHELL := /bin/bash
GO    ?= go
BIN   := bin/gradphoto
PKGS  := ./...
# Fuzz targets run briefly in `make test` (seconds each); longer with FUZZTIME=5m make fuzz.
FUZZTIME ?= 10s
FUZZMINIMIZE ?= 10x

.PHONY: run build mutate test test-go test-mysql test-miniprogram test-console fuzz bench vet lint clean docker docker-smoke loadtest

build:
	$(GO) build -o $(BIN) ./cmd/gradphoto

## make run: build, migrate + seed the embedded SQLite database under ./data, serve on 127.0.0.1:8080 (WeChat sandbox).
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

## Each target fuzzes for FUZZTIME; minimising a new input is capped at FUZZMINIMIZE runs
## (Go's default, 60 s per input, let a slow target spend the whole budget minimising).
## The last progress line (execs, execs/sec, new interesting inputs) is repeated at the end.
fuzz:
	@for target in $$(grep -rl --include='*_test.go' '^func Fuzz' internal | xargs -n1 dirname | sort -u); do \
	  for f in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$target/*_test.go | sed 's/func //'); do \
	    echo "fuzz $$target $$f ($(FUZZTIME))"; \
	    out=$$(mktemp); \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) -parallel 1 ./$$target 2>&1 | tee $$out; st=$${PIPESTATUS[0]}; \
	    if [ $$st -ne 0 ] && ! grep -q 'Failing input written' $$out && grep -q 'context deadline exceeded' $$out; then \
	      echo "fuzz $$f: the fuzzer's own deadline ended a run in progress (no failing input was written): not a finding"; \
	    elif [ $$st -ne 0 ]; then \
	      echo "fuzz $$f failed: running it once more, since Go's fuzzer reports spurious hangs while minimizing (golang/go#52569); the input it wrote is now a seed, so a real crash fails again"; \
	      $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) -parallel 1 ./$$target 2>&1 | tee $$out; \
	      [ $${PIPESTATUS[0]} -eq 0 ] || { rm -f $$out; exit 1; }; \
	    fi; \
	    echo "fuzz $$f: $$(grep -o 'execs: [0-9]* ([0-9]*/sec), new interesting: [0-9]*' $$out | tail -1)"; \
	    rm -f $$out; \
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

## make loadtest: the load and fault suite (README "Load and faults"): starts bin/gradphoto on
## loopback, mixed student traffic alone and beside 8 decode bombs (p50/p99, peak RSS), then,
## with GRADPHOTO_TEST_MYSQL_DSN set, a stalled and a dead database behind an in-process proxy.
## Bounded: about two minutes, then it stops.
loadtest: build
	$(GO) run ./test/loadtest -bin $(BIN)

clean:
	rm -rf bin data

docker:
	docker build -t gradphoto .

## make docker-smoke: build the image and check it starts as nonroot on a fresh volume, turns
## healthy and keeps its data across a restart (needs a Docker engine; test/docker/smoke.sh).
docker-smoke:
	bash test/docker/smoke.sh
