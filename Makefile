# The commands the README shows. `make demo` and `make test` set everything up themselves.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEMO_TASK ?= Book the cheapest non-stop flight from Boston to Denver on December 14 for 2 adults in economy

.PHONY: setup system-deps demo test test-all lint format bench-observe clean

## Debian packages: Chromium to drive, Xvfb for a visible browser on machines with no screen.
system-deps:
	@if command -v chromium >/dev/null 2>&1 && command -v Xvfb >/dev/null 2>&1 && command -v tmux >/dev/null 2>&1; then \
		echo "system packages present"; \
	else \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium xvfb xauth tmux fonts-liberation >/dev/null; \
	fi

$(BIN)/mira: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@

setup: system-deps $(BIN)/mira

## Open the visible browser on the sandbox flight site (virtual display when there is no screen).
demo: setup
	$(BIN)/mira run "$(DEMO_TASK)" --xvfb --screenshot demo.png

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: setup lint
	$(BIN)/pytest

test-all: setup
	$(BIN)/pytest -m ''

bench-observe: setup
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python benchmarks/observe.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
