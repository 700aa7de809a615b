# competency: two commands on a fresh Debian machine.
#   make run    install what is missing, migrate, seed demo data, start web + worker on http://127.0.0.1:5000
#   make test   install what is missing (plus PostgreSQL, Redis, Chromium), run the whole suite
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask
export FLASK_APP := competency:create_app
# `make run PORT=5050` serves on another port (BASE_URL follows it unless set).
PORT ?= 5000

RUN_DEBS := python3-venv nodejs npm libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core
TEST_DEBS := $(RUN_DEBS) postgresql redis-server chromium poppler-utils libzbar0
BENCH_DEBS := $(TEST_DEBS) wrk

.PHONY: help install install-test debs-run debs-test run test bench loadtest clean

help:
	@echo "make run    - install and start the platform with demo data on http://127.0.0.1:5000 (PORT=5050 for another)"
	@echo "make test   - install test needs and run the whole suite (SQLite, then PostgreSQL)"
	@echo "make bench  - benchmarks at ICS scale (PostgreSQL)"
	@echo "make loadtest - 32 clients for 2 minutes with faults (PostgreSQL, Redis, gunicorn, Celery, SMTP)"

# Debian packages come first: the venv and npm steps below need them on a fresh machine.
debs-run:
	@bash scripts/ensure-debs.sh $(RUN_DEBS)

debs-test:
	@bash scripts/ensure-debs.sh $(TEST_DEBS)

$(VENV)/bin/activate: | debs-run
	python3 -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/activate
	$(VENV)/bin/pip install --quiet --disable-pip-version-check 'uv>=0.4'
	$(VENV)/bin/uv pip install --quiet --compile-bytecode --python $(PY) -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json | debs-run
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

competency/static/vendor/.built: node_modules/.installed scripts/build-assets.mjs
	npm run --silent build
	touch $@

install: debs-run $(VENV)/.installed competency/static/vendor/.built

install-test: debs-test install

run: install
	$(FLASK) db upgrade
	@mkdir -p instance; set -o pipefail; BASE_URL="$${BASE_URL:-http://127.0.0.1:$(PORT)}" $(FLASK) demo seed | tee instance/demo-accounts.txt
	@PORT=$(PORT) bash scripts/run-embedded.sh

test: install-test
	@bash scripts/run-tests.sh

bench: install-test
	@bash scripts/ensure-debs.sh $(BENCH_DEBS)
	@bash scripts/run-bench.sh

loadtest: install-test
	$(VENV)/bin/uv pip install --quiet --compile-bytecode --python $(PY) -e '.[test,load]'
	C_FORCE_ROOT=1 $(PY) -m bench.loadtest.run

clean:
	rm -rf $(VENV) node_modules competency/static/vendor instance
