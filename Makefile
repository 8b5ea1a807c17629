# Two commands on a fresh machine: `make demo` and `make test`. Each makes its own .venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SEGQL := $(VENV)/bin/segql
EXAMPLE := examples/retail

.PHONY: demo test lint bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,postgres,serve]'
	touch $@

demo: $(VENV)/.installed
	$(PY) $(EXAMPLE)/generate_data.py --out $(EXAMPLE)/data/retail.duckdb
	$(SEGQL) validate --project $(EXAMPLE)
	$(SEGQL) count --project $(EXAMPLE) --as-of 2026-06-30
	$(SEGQL) compile high_value_lapsed --project $(EXAMPLE) --dialect duckdb --as-of 2026-06-30

# The workbench's browser tests drive Debian's Chromium (Playwright's own browser download cannot work here).
CHROMIUM := /usr/bin/chromium

$(CHROMIUM):
	command -v apt-get >/dev/null || { echo "make test needs Debian's chromium package at $(CHROMIUM) (apt-get not found)" >&2; exit 1; }
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
	  || { echo "could not install Debian's chromium package, needed by the browser tests" >&2; exit 1; }
	test -x $(CHROMIUM) || { echo "$(CHROMIUM) is missing after installing chromium" >&2; exit 1; }

test: $(VENV)/.installed $(CHROMIUM)
	$(PY) -m pytest -q
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check segql tests
	$(VENV)/bin/mypy

# `make bench` measures DESIGN §8's targets and writes docs/performance.md (BENCH_EVENTS=100M adds the 100M run).
bench: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) benchmarks/run.py $(if $(BENCH_EVENTS),--events $(BENCH_EVENTS),)

clean:
	rm -rf $(VENV) $(EXAMPLE)/data
