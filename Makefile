# Two commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   := $(CURDIR)/reports/demo-book
YEARS  := 2025 2026

.PHONY: setup demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	rm -rf $(DEMO)
	$(BIN)/mbr init $(DEMO) --profile sample_data/mbr.toml
	$(BIN)/mbr --book $(DEMO) import sample_data/*.csv
	$(BIN)/mbr --book $(DEMO) ledger --year 2026 --person alex | tail -n 25
	$(BIN)/mbr --book $(DEMO) limits --year 2026
	@echo "Demo book: $(DEMO)"

test: $(STAMP)
	$(BIN)/ruff check mbr_ledger tests
	$(BIN)/mypy mbr_ledger
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check mbr_ledger tests
	$(BIN)/mypy mbr_ledger

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) reports/*.xlsx reports/*.pdf reports/demo-book
