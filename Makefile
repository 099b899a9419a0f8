# Quick start on a fresh Debian 12 machine with Python 3.11: `make demo`, `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO := build/demo
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench clean

$(STAMP): pyproject.toml
	@$(PY) -c "import ensurepip, venv" 2>/dev/null || scripts/install-debian-packages python3-venv
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

setup: $(STAMP)

demo: setup
	$(BIN)/onrecord demo-data --out $(DEMO)
	$(BIN)/onrecord check $(DEMO)
	$(BIN)/onrecord audit $(DEMO) --out $(DEMO)-audit --policy boston-rule-405-2019 --compare mandate-all

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

test: lint
	$(BIN)/pytest

bench: setup
	$(BIN)/python bench/check_speed.py
	$(BIN)/python bench/audit_speed.py
	$(BIN)/python bench/checkout_speed.py

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache .hypothesis
