# The two commands: `make run` (set up what is missing, then run the practice service)
# and `make test` (set up what is missing, then run the whole test suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
ENGINE := .venv-rasa

.PHONY: setup browser run test test-postgres lint train validate bench clean

$(VENV)/.installed: pyproject.toml requirements/project.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "The project environment needs Python 3.11+; run with PYTHON=/path/to/python3.11")'
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -c requirements/project.lock -e '.[dev]'
	touch $@

$(ENGINE)/.installed: requirements/engine.lock
	@PY310=$$(scripts/find-python310.sh) || exit 1; test -x $(ENGINE)/bin/python || $$PY310 -m venv $(ENGINE)
	$(ENGINE)/bin/pip install --quiet --disable-pip-version-check -r requirements/engine.lock
	touch $@

## setup: both environments, the scorer's trained component and the Rasa model (each only if missing or stale)
setup: $(VENV)/.installed $(ENGINE)/.installed
	$(VENV)/bin/practice setup

## browser: Debian's chromium and the pinned axe-core, for the browser tests (each only if missing)
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is not installed and this is not root: the browser tests will skip (as root: apt-get install chromium)"; fi; \
	fi
	@if [ ! -f tests/browser/node_modules/axe-core/axe.min.js ]; then \
	  if command -v npm >/dev/null; then npm ci --prefix tests/browser --no-audit --no-fund; \
	  else echo "npm is not installed: the accessibility checks will skip"; fi; \
	fi

## run: the Rasa server, the action server and the API on 127.0.0.1; Ctrl-C stops all three
run: setup
	$(VENV)/bin/practice run

## test: the whole pytest suite, end-to-end and browser tests included
test: setup browser
	$(VENV)/bin/python -m pytest

## test-postgres: the whole suite with the PostgreSQL tier on (starts Debian's server if none answers)
test-postgres: setup browser
	url=$$(bash scripts/ci-postgres.sh) && PRACTICE_TEST_POSTGRES_URL=$$url $(VENV)/bin/python -m pytest

## lint: ruff (lint and format) and mypy over the whole tree, configured in pyproject.toml
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

## validate: Rasa's own checks of the training data
validate: setup
	$(VENV)/bin/practice engine validate

## bench: speed figures (scorer per utterance, load time)
bench: setup
	$(VENV)/bin/python bench/bench_scorer.py

clean:
	rm -rf build models var/run
