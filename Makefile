# Two commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   := $(CURDIR)/reports/demo-book
YEARS  := 2025 2026

.PHONY: setup lock demo test lint bench clean

# Everything is installed from the hashed lock (requirements/lock.txt), the build backend
# included, so a fresh clone gets exactly what passed; then the project itself, editable.
LOCK    := requirements/lock.txt
RUNTIME := requirements/runtime.txt
UV      := uv==0.13.9

$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

setup: $(STAMP)

# Refresh the locks to the newest releases pyproject.toml allows (for Python 3.11 and later, every
# platform), then `make test` to see that they pass.
lock: $(STAMP)
	$(BIN)/pip install --quiet '$(UV)'
	$(BIN)/uv pip compile --quiet --upgrade --universal --python-version 3.11 --generate-hashes \
	  --custom-compile-command 'make lock' pyproject.toml requirements/build.in --extra test -o $(LOCK)
	$(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
	  --custom-compile-command 'make lock' pyproject.toml -c $(LOCK) -o $(RUNTIME)

# Exit code 1 means "ran and found problems" (an audit fail, a 1099-R difference): the sample
# household is built to show them, so the demo accepts 1 and stops on anything else.
OK1 = || [ $$? -eq 1 ]

demo: $(STAMP)
	rm -rf $(DEMO) $(DEMO)-real
	$(BIN)/mbr init $(DEMO) --profile sample_data/mbr.toml
	$(BIN)/mbr --book $(DEMO) import sample_data/*.csv
	$(BIN)/mbr --book $(DEMO) limits --year 2026
	@for y in $(YEARS); do \
	  echo; echo "================ $$y ================"; \
	  $(BIN)/mbr --book $(DEMO) audit --year $$y $(OK1) || exit 2; \
	  $(BIN)/mbr --book $(DEMO) worksheet lots --year $$y || exit 2; \
	  $(BIN)/mbr --book $(DEMO) worksheet 1099r --year $$y $(OK1) || exit 2; \
	  $(BIN)/mbr --book $(DEMO) worksheet 8606 --year $$y || exit 2; \
	  $(BIN)/mbr --book $(DEMO) report --year $$y --out reports/ || exit 2; \
	done
	@echo; echo "After-tax room left in 2026, and what 20 years of it grow to:"
	$(BIN)/mbr --book $(DEMO) capacity --year 2026 --person alex
	$(BIN)/mbr capacity --year 2026 --age 40 --salary 120000 --match-pct 4 --paychecks 26
	$(BIN)/mbr project --annual 42700 --years 20 --rate 7% --marginal-rate 0.32 --lag-days 30
	@echo; echo "Real recordkeeper and payroll exports (tests/fixtures/real/) in a book of their own:"
	$(BIN)/mbr init $(DEMO)-real --profile tests/fixtures/real/profile.toml
	$(BIN)/mbr --book $(DEMO)-real import tests/fixtures/real/voya-history.csv tests/fixtures/real/vanguard-401k.qfx tests/fixtures/real/workday-payslip.xlsx
	$(BIN)/mbr --book $(DEMO)-real import --source after_tax tests/fixtures/real/netbenefits-history.csv
	@echo; echo "A second household (sample_data/household2/): a 402(g) refund, a recharacterization, a joint return:"
	rm -rf $(DEMO)-2
	$(BIN)/mbr init $(DEMO)-2 --profile sample_data/household2/mbr.toml
	$(BIN)/mbr --book $(DEMO)-2 import sample_data/household2/*.csv
	@for y in $(YEARS); do \
	  echo; echo "================ household 2, $$y ================"; \
	  $(BIN)/mbr --book $(DEMO)-2 audit --year $$y $(OK1) || exit 2; \
	  $(BIN)/mbr --book $(DEMO)-2 worksheet 1099r --year $$y $(OK1) || exit 2; \
	  $(BIN)/mbr --book $(DEMO)-2 worksheet 8606 --year $$y --person robin || exit 2; \
	  $(BIN)/mbr --book $(DEMO)-2 worksheet 1040 --year $$y || exit 2; \
	done
	$(BIN)/mbr --book $(DEMO)-2 report --year 2026 --out reports/
	@echo; echo "Demo book: $(DEMO); reports: $(CURDIR)/reports/"; ls reports/*.xlsx reports/*.pdf

# The installed wheel is checked first (scripts/check-install), so pytest's summary ends the output.
test: $(STAMP)
	$(BIN)/ruff check mbr_ledger tests
	$(BIN)/mypy mbr_ledger
	scripts/check-install
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check mbr_ledger tests
	$(BIN)/mypy mbr_ledger

# Byte-compiled first, as an installed (not editable) package is: every command then starts
# without compiling the package (PYTHONDONTWRITEBYTECODE would otherwise make each one do it).
bench: $(STAMP)
	$(BIN)/python -m compileall -q mbr_ledger
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) reports/*.xlsx reports/*.pdf reports/demo-book reports/demo-book-real
