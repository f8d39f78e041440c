# Liftfund. Quick start: `make run` (app with demo data) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.PHONY: setup run test lint bench worker messages clean help

help:
	@echo "make run    - install, migrate, seed demo data, serve http://$(HOST):$(PORT)"
	@echo "make test   - install and run lint, types, import contracts and the test suite"
	@echo "make bench  - run the benchmarks (bench/) and print one table"
	@echo "make worker - run a Celery worker (needs CELERY_BROKER_URL)"

$(STAMP): pyproject.toml
	bash scripts/system-deps.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP) messages

messages: $(STAMP)
	$(PY) manage.py compilemessages --ignore=.venv --ignore=var -v0

run: setup
	mkdir -p var
	$(PY) manage.py migrate --no-input -v0
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver $(HOST):$(PORT)

lint: $(STAMP)
	bash scripts/messages.sh check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy .

test: setup lint
	DJANGO_SETTINGS_MODULE=config.settings.test bash scripts/pytest.sh

bench: setup
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) -m bench

worker: setup
	$(VENV)/bin/celery -A config worker -l info

clean:
	rm -rf $(VENV) var
