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

test: $(STAMP) system-packages
	@rc=0; $(BIN)/pytest $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests — that is a failure" >&2; exit 1; fi; \
	exit $$rc

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
