# SIKK — two commands: `make run` (demo on this machine) and `make test` (every test).
# Both install what they need; see README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app server
PORT ?= 5000
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: run test install pwa services test-py test-pwa bench clean

# requirements.lock: every package, pinned and hashed (pip-compile --generate-hashes from requirements.txt);
# the project itself is then installed editable (its entry point registers `flask ... recompute`).
$(VENV)/.installed: requirements.txt requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $@

install: $(VENV)/.installed

pwa/node_modules/.installed: pwa/package-lock.json
	cd pwa && npm ci --no-audit --no-fund
	@touch $@

pwa/dist/index.html: pwa/node_modules/.installed $(shell find pwa/src pwa/public pwa/index.html pwa/vite.config.* -type f 2>/dev/null)
	cd pwa && npm run build

pwa: pwa/dist/index.html

## make run: install, build the PWA, create + fill the demo database, start web + worker.
run: install pwa
	$(FLASK) release
	$(FLASK) seed-demo
	PORT=$(PORT) scripts/run-local.sh

## make test: install, bring up PostgreSQL/Redis/Chromium, run every test (Python and PWA).
test: install pwa
	scripts/ensure-services.sh
	$(MAKE) test-pwa
	$(MAKE) test-py

# pytest in TEST_WORKERS processes (pytest-xdist), each test module whole in one of them (its
# module fixtures — a Celery stack, a live server — start once); tests/parallel.py keeps the workers
# apart on the shared Redis. TEST_WORKERS=0 runs everything in this one process.
TEST_WORKERS ?= 2
test-py:
	$(VENV)/bin/lint-imports
	@if [ "$(TEST_WORKERS)" != 0 ] && ! $(PY) -c "import xdist" 2>/dev/null; then \
	  echo "pytest-xdist is missing from $(VENV) (requirements.lock): make install" >&2; exit 2; fi
	$(PY) -m pytest -p no:cacheprovider $(if $(filter-out 0,$(TEST_WORKERS)),-n $(TEST_WORKERS) --dist loadscope) tests

test-pwa: pwa
	cd pwa && npm test

bench: install pwa
	scripts/ensure-services.sh
	$(PY) bench/ingest.py
	$(PY) bench/scoring.py
	$(PY) bench/admin.py
	$(PY) bench/pwa.py
	$(PY) bench/load.py
	$(PY) bench/drills.py

clean:
	rm -rf $(VENV) pwa/node_modules pwa/dist instance
