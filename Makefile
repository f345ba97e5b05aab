# city311 — the two commands: `make run` and `make test` (and `make bench`).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
# eventlet announces its own deprecation at import (category Warning, from the module importing it)
export PYTHONWARNINGS ?= ignore::DeprecationWarning,ignore::Warning:nameko.extensions
export PYTHONPATH := $(CURDIR)

.PHONY: run status test test-full bench chaos chaos-subset cluster install migrate broker clean messages

NPM_STAMP := services/metrics/web/node_modules/.installed-$(shell sha1sum services/metrics/web/package-lock.json | cut -c1-12)

install: $(STAMP) $(NPM_STAMP)

# The dashboard's JavaScript comes from the npm registry at build time and is served locally.
$(NPM_STAMP): services/metrics/web/package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for the metrics dashboard's JavaScript: install Node.js (e.g. sudo apt-get install nodejs npm) and run make again" >&2; exit 1; }
	@npm ci --prefix services/metrics/web --no-audit --no-fund --silent
	@rm -f services/metrics/web/node_modules/.installed-*; touch $@

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

# Every process of deploy/Procfile under supervisord in the foreground: one that dies is restarted with
# back-off, the others keep serving; Ctrl-C (or SIGTERM) stops them all. Output: var/log/<name>.log;
# while it runs: .venv/bin/supervisorctl -c var/run/supervisord.conf status (or `make status`).
run: install migrate broker
	@if [ -s var/run/amqp_uri ]; then export AMQP_URI="$$(cat var/run/amqp_uri)"; fi; \
	$(PY) -m shared.messaging.declare && $(PY) -m shared.messaging.users apply && \
	RABBITMQCTL="$${RABBITMQCTL:-$$($(PY) -m shared.messaging.broker ctl)}" exec $(PY) -m shared.supervision run deploy/Procfile --run-dir var/run --log-dir var/log

status:
	@$(VENV)/bin/supervisorctl -c var/run/supervisord.conf status

# The suite, and beside it a second pytest process running the bounded fault runs one after the other: the
# chaos subset (one row of the fault table per kind of fault) and the cluster subset (three broker nodes, two
# instances of every service). Each starts its own broker node(s), PostgreSQL server and system on free ports,
# so they share nothing with the suite but the cores; all must pass. FAULT_SUBSETS=no leaves them out;
# their output: var/log/fault-subsets.log.
# The suite runs on the project's own broker node (started on a free port under var/rabbitmq, stopped at the end),
# not the machine's, unless AMQP_URI names one: a shared broker carries other runs' vhosts and its state is not ours.
FAULT_SUBSETS ?= yes
test: install
	@mkdir -p var/log; side=; \
	$(PY) -m shared.messaging.broker ensure --own-node || exit 1; \
	if [ -z "$${AMQP_URI:-}" ] && [ -s var/run/amqp_uri ]; then export AMQP_URI="$$(cat var/run/amqp_uri)"; \
	  if [ -e var/run/broker_started_for_tests ]; then \
	    trap 'rm -f var/run/broker_started_for_tests var/run/amqp_uri; $(PY) -m shared.messaging.broker stop >/dev/null 2>&1' EXIT; fi; fi; \
	if [ "$(FAULT_SUBSETS)" = yes ]; then \
	  $(PY) -m pytest -m "chaos or cluster" tests/reliability/test_chaos_subset.py tests/reliability/test_cluster_subset.py \
	    -q -p no:cacheprovider --basetemp=var/run/fault-subsets-tmp > var/log/fault-subsets.log 2>&1 & side=$$!; \
	  trap 'kill $$side 2>/dev/null' INT TERM; \
	fi; \
	$(PY) -m pytest $(PYTEST_ARGS); suite=$$?; faults=0; \
	if [ -n "$$side" ]; then \
	  wait $$side; faults=$$?; \
	  echo "--- fault subsets (chaos and cluster, run alongside; var/log/fault-subsets.log):"; \
	  grep -E "^(FAILED|ERROR|SKIPPED)|passed|failed|skipped|error" var/log/fault-subsets.log | tail -n 20; \
	fi; \
	exit $$(( suite || faults ))

# make test, with the slowest whole-system modules on both databases rather than one each (tests/integration/conftest.py).
test-full: install broker
	@CITY311_TEST_BOTH_DATABASES=1 $(PY) -m pytest $(PYTEST_ARGS)

bench: install migrate broker
	@$(PY) -m bench.run $(BENCH_ARGS)

# The fault table (tests/reliability/chaos): its own broker node, PostgreSQL server and system; see --help.
chaos: install broker
	@$(PY) -m tests.reliability.chaos $(CHAOS_ARGS)

# Three RabbitMQ nodes as one cluster, two instances of every service, faults under load (tests/reliability/cluster).
cluster: install broker
	@$(PY) -m tests.reliability.cluster $(CLUSTER_ARGS)

# One row per kind of fault at small load, as pytest tests (about 5 minutes; make test runs it too).
chaos-subset: install broker
	@$(PY) -m pytest -m chaos tests/reliability/test_chaos_subset.py $(PYTEST_ARGS)

# Intake's page texts: extract the marked ones (babel.cfg) into the template, merge it into each language's
# .po, then translate the new entries there. The .po files are compiled when intake starts (shared/i18n.py).
# The same for the metrics dashboard's page and scripts (services/metrics/web/babel.cfg).
WEB_LOCALE := services/intake/web/locale
messages: install
	@$(VENV)/bin/pybabel -q extract -F babel.cfg -k N_ --no-location --sort-output --project=city311 \
		-c "Translators:" -o $(WEB_LOCALE)/messages.pot services/intake/web
	@$(VENV)/bin/pybabel -q update -i $(WEB_LOCALE)/messages.pot -d $(WEB_LOCALE) --no-fuzzy-matching \
		--ignore-obsolete
	@$(VENV)/bin/pybabel -q extract -F services/metrics/web/babel.cfg --no-location --sort-output --project=city311 \
		-c "Translators:" -o services/metrics/web/locale/messages.pot services/metrics/web
	@$(VENV)/bin/pybabel -q update -i services/metrics/web/locale/messages.pot -d services/metrics/web/locale \
		--no-fuzzy-matching --ignore-obsolete
	@echo "now translate the empty msgstr entries in $(WEB_LOCALE)/*/LC_MESSAGES/messages.po and services/metrics/web/locale/*/LC_MESSAGES/messages.po"

clean:
	rm -rf var/db var/legacy var/run
