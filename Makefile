# gatecheck — see README.md. `make run` runs the bundled suites against the embedded emulator;
# `make test` runs the test suite. Both install what they need first.
SWIFT ?= swift
CONFIG ?= debug
BIN := .build/$(CONFIG)/gatecheck

.PHONY: all deps test-deps build release run test bench fuzz clean

all: build

deps:
	@scripts/install-deps.sh

test-deps:
	@scripts/install-deps.sh --test

build: deps
	$(SWIFT) build -c $(CONFIG) --product gatecheck

release:
	$(MAKE) build CONFIG=release

run: build
	$(BIN) run suites --junit reports/junit.xml

# Tests run one at a time: many of them start real servers whose handlers run on Swift's cooperative pool, which
# has only as many threads as cores (2 here), so parallel tests can starve each other's servers. Serially the
# whole suite takes about 30 s.
test: test-deps
	$(SWIFT) test --no-parallel

# Benchmarks (release build, wrk, /usr/bin/time -v): prints the table of docs/performance.md.
bench: deps
	scripts/bench.sh

# libFuzzer targets (VTL, JSONPath, suite loader, emulator request parsing); FUZZ_SECONDS per target.
fuzz: deps
	scripts/fuzz.sh

clean:
	rm -rf .build reports/*.xml
