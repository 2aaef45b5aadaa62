# The two commands: `make run` and `make test`. Everything else is a step of those.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Tests default to the local PostgreSQL and Redis; override with DATABASE_URL / REDIS_URL.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/engagements
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

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

test: lint check
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(BIN)/pytest

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
