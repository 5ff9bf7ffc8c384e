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

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

install: $(VENV)/.installed

pwa/node_modules/.installed: pwa/package-lock.json
	cd pwa && npm ci --no-audit --no-fund
	@touch $@

pwa/dist/index.html: pwa/node_modules/.installed $(shell find pwa/src pwa/public pwa/index.html pwa/vite.config.* -type f 2>/dev/null)
	cd pwa && npm run build

ifneq ($(wildcard pwa/package-lock.json),)
pwa: pwa/dist/index.html
else
pwa:
	@echo "pwa/package-lock.json not found: no PWA to build"
endif

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

test-py:
	$(PY) -m pytest -p no:cacheprovider tests

test-pwa: pwa
	@if [ -f pwa/package.json ]; then cd pwa && npm test; fi

bench: install
	scripts/ensure-services.sh
	$(PY) bench/ingest.py
	$(PY) bench/scoring.py

clean:
	rm -rf $(VENV) pwa/node_modules pwa/dist instance
