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
	$(PY) -m pip install --quiet -e '.[test,postgres]'
	touch $@

demo: $(VENV)/.installed
	$(PY) $(EXAMPLE)/generate_data.py --out $(EXAMPLE)/data/retail.duckdb
	$(SEGQL) validate --project $(EXAMPLE)
	$(SEGQL) count --project $(EXAMPLE) --as-of 2026-06-30
	$(SEGQL) compile high_value_lapsed --project $(EXAMPLE) --dialect duckdb --as-of 2026-06-30

test: $(VENV)/.installed
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
