# Two entry points: `make demo` (install + demo batch) and `make test` (install + lint + tests).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# With ../shared beside the checkout (this workplace, CI), the demo and the integration tests
# read the real data there (never copied into the repo). Without it (a fresh clone anywhere
# else) nothing is set, and mobility-nb downloads Urban's files into the user cache.
SHARED := $(abspath ../shared/data)
ifneq ($(wildcard $(SHARED)/mobility-metrics),)
export MOBILITY_NB_DATA ?= $(SHARED)/mobility-metrics
endif
ifneq ($(wildcard $(SHARED)/census),)
export MOBILITY_NB_CENSUS_DATA ?= $(SHARED)/census
endif

.PHONY: install demo test lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(BIN)/.installed

demo: install
	$(BIN)/mobility-nb demo --out outputs

test: install lint
	$(BIN)/pytest -n 2

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install
	$(BIN)/python bench/bench_batch.py

clean:
	rm -rf outputs/* .pytest_cache
