# Liftfund. Quick start: `make run` (app with demo data) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?=
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.PHONY: setup run test lint bench worker beat messages ci clean help

help:
	@echo "make run    - install, migrate, seed demo data, serve http://$(HOST):$(PORT)"
	@echo "make test   - install and run lint, types, import contracts and the test suite"
	@echo "make bench  - run the benchmarks (bench/) and print one table"
	@echo "make worker - run a Celery worker (needs CELERY_BROKER_URL)"
	@echo "make beat   - run Celery beat, the periodic task scheduler (needs CELERY_BROKER_URL)"
	@echo "make ci     - what CI runs (.ci/run): SQLite, PostgreSQL, worker, docker, browser"

# System libraries (installed when root, else the apt command is printed), then .venv.
$(STAMP): pyproject.toml
	@py=$$(PYTHON="$(PYTHON)" bash scripts/find-python.sh) \
	  && bash scripts/system-deps.sh "$$py" \
	  && { test -x $(PY) || "$$py" -m venv $(VENV); }
	@echo "Installing Python packages into $(VENV) (first run: a minute or two)"
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP) messages

messages: $(STAMP)
	$(PY) manage.py compilemessages --ignore=.venv --ignore=var -v0

run: setup
	mkdir -p var
	$(PY) manage.py migrate --no-input -v0
	$(PY) manage.py seed_demo
	@echo "Admin: http://$(HOST):$(PORT)/admin/  API docs: http://$(HOST):$(PORT)/api/docs/"
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
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) -m bench $(BENCH_ARGS)

# A worker needs a broker; without CELERY_BROKER_URL tasks run eagerly in the web process.
NEEDS_BROKER = $(PY) -c 'import django; django.setup(); from django.conf import settings; \
  raise SystemExit(0 if settings.CELERY_BROKER_URL else "CELERY_BROKER_URL is not set (environment \
  or .env), so tasks run eagerly in-process. For a real worker: CELERY_BROKER_URL=redis://127.0.0.1:6379/0 make $@")'

worker: setup
	@$(NEEDS_BROKER)
	$(VENV)/bin/celery -A config worker -l info

beat: setup
	@$(NEEDS_BROKER)
	mkdir -p var
	$(VENV)/bin/celery -A config beat -l info --schedule var/celerybeat-schedule

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) var
