# The commands the README shows. `make demo` and `make test` set everything up themselves.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# a test-instance: a seed of a train template that training never drew
DEMO_TASK_ID ?= flights-fare-cheapest@100000

.PHONY: setup system-deps demo test test-all lint format bench-observe clean

## Debian packages: Chromium to drive, its headless shell (lighter for benchmarks and
## tests), Xvfb for a visible browser on machines with no screen.
system-deps:
	@if command -v chromium >/dev/null 2>&1 && command -v chromium-headless-shell >/dev/null 2>&1 \
		&& command -v Xvfb >/dev/null 2>&1 && command -v tmux >/dev/null 2>&1; then \
		echo "system packages present"; \
	else \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-headless-shell xvfb xauth tmux fonts-liberation >/dev/null; \
	fi

# llama.cpp is compiled for a portable x86-64 level (AVX2): a build tuned to the
# compiling CPU can use instructions (AMX, AVX-512) that virtual machines refuse.
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
	-DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF

$(VENV)/.llama-cpp: Makefile
	test -x $(BIN)/pip || $(PYTHON) -m venv $(VENV)
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install -q --no-cache-dir --force-reinstall \
		--no-deps 'llama-cpp-python>=0.3.16,<0.4'
	@touch $@

# torch is pinned to the CPU build this machine keeps on disk before the project asks for
# it; left to the registry, `torch>=2.4` would fetch the newest build with CUDA (GBs).
TORCH ?= torch==2.13.0

$(BIN)/mira: pyproject.toml $(VENV)/.llama-cpp
	$(BIN)/pip install -q '$(TORCH)'
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@

setup: system-deps $(BIN)/mira

## The default agent, mira-270m, on a held-out sandbox task: a visible browser (a virtual
## display when there is no screen). The shipped mira-270m is an unfinished first epoch and
## does not solve it yet (README, "mira-270m as shipped"), so the outcome does not fail the make.
demo: setup
	-$(BIN)/mira run --task-id $(DEMO_TASK_ID) --xvfb --max-steps 12 --verbose

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
