# gatecheck — see README.md. `make run` runs the bundled suites against the embedded emulator;
# `make test` runs the test suite. Both install what they need first.
SWIFT ?= swift
CONFIG ?= debug
BIN := .build/$(CONFIG)/gatecheck

.PHONY: all deps test-deps build release run test clean

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

test: test-deps
	$(SWIFT) test

clean:
	rm -rf .build reports/*.xml
