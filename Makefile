# The two commands: `make run` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Tests default to the local PostgreSQL and Redis; override with DATABASE_URL / REDIS_URL.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/engagements
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
# pytest-xdist workers: each has its own test database (test_<name>_gwN) and Redis database
# (the one of REDIS_URL + N, see tests/conftest.py). PYTEST_ARGS adds options, e.g. -x.
PYTEST_WORKERS ?= 2
PYTEST_ARGS ?=

.PHONY: run test install lint format check migrate seed clean worker beat reminders

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py notification_schedules

seed: migrate
	$(BIN)/python manage.py seed --demo-users

run: seed
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# With REDIS_URL set (and the same DATABASE_URL as the site): a worker and the one beat.
worker: install
	$(BIN)/celery -A config worker --loglevel INFO --concurrency 2

beat: install
	$(BIN)/celery -A config beat --loglevel INFO

# The reminder sweep now (DATE=YYYY-MM-DD to sweep as of another day).
reminders: install
	$(BIN)/python manage.py send_reminders $(if $(DATE),--date $(DATE),)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: install
	DJANGO_SETTINGS_MODULE=config.settings.test DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} \
		$(BIN)/python manage.py check --fail-level WARNING
	# Needs no database server: the migration graph is compared with the models.
	DJANGO_SETTINGS_MODULE=config.settings.test DATABASE_URL=sqlite:///:memory: \
		$(BIN)/python manage.py makemigrations --check --dry-run

# The suite in parallel workers, and lint and the checks beside it in the background; their
# output follows the suite's. It fails if either fails; pytest's closing line comes last.
test: install
	@set -uo pipefail; \
	checks_log=$$(mktemp); pytest_log=$$(mktemp); \
	trap 'rm -f "$$checks_log" "$$pytest_log"' EXIT; \
	$(MAKE) --no-print-directory --keep-going lint check >"$$checks_log" 2>&1 & checks=$$!; \
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS) 2>&1 | tee "$$pytest_log"; \
	pytest_status=$${PIPESTATUS[0]}; \
	wait $$checks; checks_status=$$?; \
	echo; \
	if [ $$checks_status -eq 0 ]; then verdict=passed; else verdict="FAILED ($$checks_status)"; fi; \
	echo "--- lint (ruff, ruff format, mypy), manage.py check, makemigrations --check: $$verdict ---"; \
	cat "$$checks_log"; \
	echo "--- pytest (exit $$pytest_status) ---"; \
	tail -n 1 "$$pytest_log"; \
	[ $$pytest_status -eq 0 ] && [ $$checks_status -eq 0 ]

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .mypy_cache .ruff_cache

# Benchmarks: a database per size, generated once and reused (see bench/README.md).
# BENCH_ARGS passes options to bench.run, e.g. BENCH_ARGS="--only search".
BENCH_MEETINGS ?= 100000
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/engagements_bench_$(BENCH_MEETINGS)
# bench-http: the server's cache and broker (a Redis database of its own).
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/15
BENCH_HTTP_ARGS ?=
BENCH_ENV := DJANGO_SETTINGS_MODULE=config.settings.bench DATABASE_URL=$(BENCH_DATABASE_URL)

.PHONY: bench bench-data bench-http
bench-data: install
	$(BIN)/python -m bench.createdb "$(BENCH_DATABASE_URL)"
	$(BENCH_ENV) $(BIN)/python manage.py migrate --no-input -v0
	$(BENCH_ENV) $(BIN)/python manage.py seed -v0
	$(BENCH_ENV) $(BIN)/python manage.py generate_demo_data --meetings $(BENCH_MEETINGS)
	$(BIN)/python -m bench.createdb --vacuum "$(BENCH_DATABASE_URL)"

bench: bench-data
	$(BENCH_ENV) $(BIN)/python -m bench.run --size $(BENCH_MEETINGS) $(BENCH_ARGS)

$(VENV)/.installed-bench: pyproject.toml | $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	touch $@

bench-http: bench-data $(VENV)/.installed-bench
	$(BENCH_ENV) BENCH_REDIS_URL=$(BENCH_REDIS_URL) $(BIN)/python -m bench.http.run \
		--size $(BENCH_MEETINGS) $(BENCH_HTTP_ARGS)
