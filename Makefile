# HC Portal — `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
# Django 6 needs Python >= 3.12: take the first such interpreter on PATH or under pyenv.
PYTHON ?= $(shell for p in python3.13 python3.12 python3 \
	$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python 2>/dev/null | sort -rV); do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
	&& { command -v $$p; break; }; done)
DEV_ENV := DEBUG=True
# Where `make run` and `make serve` listen: make run PORT=8001, make serve HOST=0.0.0.0
# (listening on every interface: add the machine's name to ALLOWED_HOSTS).
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in emails (password resets) follow the development server when it moves, unless SITE_URL is set.
RUN_ENV := $(DEV_ENV) $(if $(SITE_URL),,$(if $(filter command line environment,$(origin PORT) $(origin HOST)),SITE_URL=http://$(HOST):$(PORT)))

.PHONY: help venv run serve manage worker test lint format typecheck migrate seed check deploy-check bench clean messages messages-check

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -n "$(PYTHON)" || { echo "Python 3.12+ not found (install it, or set PYTHON=/path/to/python3.12)"; exit 1; }
	@# An existing virtualenv is reused, so new pins install over it.
	@test -x $(PY) || { echo "Creating the virtualenv $(VENV) with $(PYTHON) ($$($(PYTHON) --version))…"; \
	  $(PYTHON) -m venv $(VENV); }
	@echo "Upgrading pip…"
	@$(PY) -m pip install --quiet --upgrade pip
	@echo "Installing the pinned requirements (about a minute the first time)…"
	@$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@
	@echo "The virtualenv is ready: $(VENV)"

venv: $(VENV)/.installed ## Create the virtualenv and install the pinned requirements

migrate: venv ## Apply database migrations
	@echo "Applying database migrations (the first time about half a minute)…"
	$(DEV_ENV) $(PY) manage.py migrate --noinput

seed: migrate ## Load the demo organisation (idempotent)
	@echo "Loading the demo organisation (the first time about half a minute)…"
	$(DEV_ENV) $(PY) manage.py seed_demo

run: seed ## Set everything up and serve the portal on http://127.0.0.1:8000 (PORT=8001, HOST=…), with a task worker
	@# The background worker and the scheduler (hrportal/periodic.py) run beside the server and stop with it.
	@echo "Serving on http://$(HOST):$(PORT)/ with a task worker and the scheduler beside it; Ctrl+C stops them."
	@$(RUN_ENV) $(PY) manage.py db_worker --no-reload & worker=$$!; \
	$(RUN_ENV) $(PY) manage.py run_periodic --loop & scheduler=$$!; \
	trap 'kill $$worker $$scheduler 2>/dev/null; wait $$worker $$scheduler 2>/dev/null' EXIT; \
	$(RUN_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

serve: venv ## Serve as production does: DEBUG off, migrate, collectstatic, gunicorn (needs SECRET_KEY; docs/deployment.md)
	@test -n "$$SECRET_KEY" || grep -qs '^SECRET_KEY=.' .env || { \
	  echo "make serve uses production settings and needs a SECRET_KEY, in the environment or in .env:"; \
	  echo "  echo SECRET_KEY=\$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') >> .env"; exit 1; }
	@echo "==> Applying database migrations"
	DEBUG=False $(PY) manage.py migrate --noinput
	@echo "==> Collecting static files (hashed and compressed, for WhiteNoise)"
	DEBUG=False $(PY) manage.py collectstatic --noinput -v0
	@echo "==> gunicorn on $(HOST):$(PORT) (GUNICORN_WORKERS, GUNICORN_TIMEOUT: gunicorn.conf.py); Ctrl-C stops it"
	DEBUG=False HOST=$(HOST) PORT=$(PORT) $(VENV)/bin/gunicorn -c gunicorn.conf.py

# ARGS is handed to the shell as written, so quote inside it as on a command line:
# make manage ARGS='import_results book.xlsx --column "Quiz: A (Percentage)=A-1"'.
manage: venv ## Run one manage.py command with development settings: make manage ARGS="export_matrix matrix.xlsx"
	@test -n "$(ARGS)" || { echo 'Name the command: make manage ARGS="help" lists them.'; exit 2; }
	@# A fresh clone has no tables yet: apply the migrations first, saying so, only when some are pending.
	@$(DEV_ENV) $(PY) manage.py migrate --check -v0 >/dev/null 2>&1 || { \
	echo "Applying database migrations first…"; $(DEV_ENV) $(PY) manage.py migrate --noinput -v0; }
	$(DEV_ENV) $(PY) manage.py $(ARGS)

worker: migrate ## Run the background task worker (emails, imports, scheduled jobs) and the scheduler, without the server
	@$(DEV_ENV) $(PY) manage.py run_periodic --loop & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null; wait $$scheduler 2>/dev/null' EXIT; \
	$(DEV_ENV) $(PY) manage.py db_worker

# One pytest-xdist worker per core (each with its own test database); TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= auto

test: venv ## Run the whole test suite (browser tests included), one worker per core
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: venv ## ruff lint and format check, Django checks, the Indonesian catalogue complete and compiled
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(DEV_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(MAKE) messages-check

# Tests and benchmarks hold no user's text; .venv is other people's code.
MESSAGES_IGNORE := --ignore=.venv --ignore=tests --ignore=bench --ignore=staticfiles --ignore=media --ignore=docs

messages: venv ## Update locale/id/*.po from the code and templates, and compile the .mo files
	$(DEV_ENV) $(PY) manage.py makemessages --locale id $(MESSAGES_IGNORE)
	$(DEV_ENV) $(PY) manage.py compilemessages --locale id $(MESSAGES_IGNORE)

messages-check: venv ## Fail on a string the Indonesian catalogue lacks, leaves untranslated or fuzzy, or a stale .mo
	$(DEV_ENV) $(PY) manage.py messages_check

format: venv ## Format the code with ruff
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

typecheck: venv ## mypy with django-stubs over the apps
	$(DEV_ENV) $(PY) -m mypy hrportal competencies surveys assessments idp maturity strategies learning

deploy-check: venv ## `check --deploy` with production-like settings
	DEBUG=False SECRET_KEY=deploy-check-$$(date +%s)-a-long-random-looking-secret-value-xyz \
	SECURE_SSL_REDIRECT=True SESSION_COOKIE_SECURE=True CSRF_COOKIE_SECURE=True \
	SECURE_HSTS_SECONDS=31536000 SECURE_HSTS_INCLUDE_SUBDOMAINS=True SECURE_HSTS_PRELOAD=True \
	EMAIL_URL=smtp+tls://mailer@smtp.example.com:587 \
	$(PY) manage.py check --deploy --fail-level WARNING

# BENCH_ARGS="--only gap,idp --seconds 5" and the like (bench/README.md).
bench: venv ## Load-test the portal as production serves it (gunicorn, PostgreSQL, wrk); writes docs/benchmarks.md
	@# Needs PostgreSQL and wrk (bench/README.md); builds the 10,000-employee data set the first time (2 min).
	$(PY) bench/load.py $(BENCH_ARGS)

.PHONY: bench-all
bench-all: bench ## The load run, then the report's timing and the results import benchmarks
	$(DEV_ENV) $(PY) bench/report_timing.py
	$(DEV_ENV) $(PY) bench/import_results.py

clean: ## Remove the virtualenv and caches (keeps the database)
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
