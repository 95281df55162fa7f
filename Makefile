# Two entry points: `make demo` (install + demo batch) and `make test` (install + tests).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The demo and the integration tests read the real data from here (never copied into the repo).
export MOBILITY_NB_DATA ?= $(abspath ../shared/data/mobility-metrics)
export MOBILITY_NB_CENSUS_DATA ?= $(abspath ../shared/data/census)

.PHONY: install demo test lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(BIN)/.installed

demo: install
	$(BIN)/mobility-nb demo --out outputs

test: install
	$(BIN)/ruff check .
	$(BIN)/pytest -n 2

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: install
	$(BIN)/python bench/bench_batch.py

clean:
	rm -rf outputs/* .pytest_cache
