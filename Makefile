# provcloud: `make demo` runs the main job on the embedded default; `make test` runs every test.
# Both bootstrap what they need: the virtualenv, the package, and (as root) the Debian packages.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.provcloud-installed
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: all demo test lint bench provinces country-report system-packages venv clean
all: test

$(STAMP): pyproject.toml
	@echo "==> creating $(VENV) and installing provcloud with its test and dev tools"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

venv: $(STAMP)

# Debian packages the lab and its tests need; installed when missing (root only).
system-packages:
	@scripts/install-system-packages

demo: $(STAMP) system-packages
	$(BIN)/provcloud demo

# Without PYTEST_ARGS: the tests that boot no machine on every core (pytest-xdist), then the lab
# tests in one process (they share one boot per lab shape). Both halves always run; a half that
# collects nothing (pytest's exit 5) fails too. With PYTEST_ARGS: one pytest run with those.
UNIT_JOBS ?= $(shell nproc)
test: $(STAMP) system-packages
	@run() { rc=0; $(BIN)/pytest "$$@" || rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests ($$*) — that is a failure" >&2; rc=1; fi; \
	  return $$rc; }; \
	if [ -n "$(PYTEST_ARGS)" ]; then run $(PYTEST_ARGS); exit $$?; fi; \
	unit=0; lab=0; \
	run -m 'not lab' -n $(UNIT_JOBS) || unit=$$?; \
	run -m lab || lab=$$?; \
	if [ $$unit -ne 0 ] || [ $$lab -ne 0 ]; then echo "make test: failed (unit half $$unit, lab half $$lab)" >&2; exit 1; fi

lint: $(STAMP)
	$(BIN)/ruff check src tests bench policies stacks plugins roles
	$(BIN)/ruff format --check src tests bench policies stacks plugins roles
	$(BIN)/mypy
	$(BIN)/yamllint --strict $$(ls -d provinces providers inventories playbooks roles policies stacks .github .gitlab-ci.yml 2>/dev/null)
	@if [ -d roles ]; then $(BIN)/ansible-lint --profile production roles playbooks; fi

# The 34 province catalogues (and their stack and inventory files) from the official register.
provinces: $(STAMP)
	$(BIN)/provcloud register generate

# The national compliance report of two provinces in docs/country-report/ (see docs/country.md):
# Đà Nẵng on its own cluster, and rented-alpha, hosted on provider qtsc, which drifts from the baseline.
COUNTRY_REPORT_PROVINCES := danang rented-alpha
country-report: $(STAMP) system-packages
	rm -rf docs/country-report
	$(BIN)/provcloud country report --out docs/country-report $(COUNTRY_REPORT_PROVINCES)

bench: $(STAMP) system-packages
	@for script in bench/*.py; do echo "==> $$script"; $(BIN)/python $$script; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
