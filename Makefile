# city311 — the two commands: `make run` and `make test` (and `make bench`).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
export PYTHONWARNINGS ?= ignore::DeprecationWarning
export PYTHONPATH := $(CURDIR)

.PHONY: run test bench install migrate broker clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "city311 needs Python 3.11 (nameko 3 / eventlet); set PYTHON=/path/to/python3.11")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install --quiet --disable-pip-version-check -e ".[test]"
	@rm -f $(VENV)/.installed-*; touch $@
	@echo "installed into $(VENV)"

broker: install
	@$(PY) -m shared.messaging.broker ensure

migrate: install
	@mkdir -p var/db
	@$(PY) -m shared.persistence.migrations

run: install migrate broker
	@$(PY) -m shared.messaging.declare
	@exec $(VENV)/bin/honcho --procfile deploy/Procfile --app-root . start

test: install broker
	@$(PY) -m pytest $(PYTEST_ARGS)

bench: install migrate broker
	@$(PY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf var/db var/legacy var/run
