# Two commands: `make demo` (run it) and `make test` (the whole suite). See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
UV_VERSION := 0.13.9

.PHONY: install demo serve test test-postgres chaos bench loadtest lint format translations messages clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required")'
	$(PYTHON) -m venv $(VENV)

# Re-synchronise the virtualenv whenever the lock file changes.
$(VENV)/.synced: requirements-dev.lock | $(BIN)/python
	$(BIN)/python -m pip install -q uv==$(UV_VERSION)
	$(BIN)/uv pip sync -q --python $(BIN)/python requirements-dev.lock || \
		$(BIN)/python -m pip install -q -r requirements-dev.lock
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error || echo "npm unavailable: browser tests will be skipped"

install: $(VENV)/.synced translations

translations: $(VENV)/.synced
	$(BIN)/python manage.py compile_translations

demo: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py import_referentials
	$(BIN)/python manage.py setup_demo
	@$(MAKE) --no-print-directory serve

# The web server, the background worker and the scheduler of periodic jobs; Ctrl-C stops all.
serve:
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/python manage.py run_worker --queue-name '*' --interval 1 & \
	$(BIN)/python manage.py run_scheduler & \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Every core (pytest-xdist); benchmarks are left out (pyproject's addopts) and run by `make bench`.
PYTEST_WORKERS ?= auto
test: install node_modules/.package-lock.json
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

test-postgres: install node_modules/.package-lock.json
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ecandidat} $(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The fault-injection suite alone (also part of `make test`): own Redis, SMTP and worker processes
# on 127.0.0.1, stopped, frozen and killed while the application keeps serving. On PostgreSQL.
chaos: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ecandidat} $(BIN)/python -m pytest -m chaos -p no:randomly $(PYTEST_ARGS)

# Measurements, printed, never asserted, on PostgreSQL: one process, so the figures are not
# disturbed by other tests running on the other core. First the pages at volume (tests/bench/:
# BENCH_APPLICATIONS generated applications, 100,000 by default, built on the first run and
# kept by --reuse-db), then the other benchmarks on a database of their own. docs/performance.md.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ecandidat_bench
bench: install node_modules/.package-lock.json
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m pytest -m benchmark -p no:randomly -s \
		--reuse-db tests/bench $(PYTEST_ARGS)
	DATABASE_URL=$(BENCH_DATABASE_URL)_others $(BIN)/python -m pytest -m benchmark \
		-p no:randomly -s --ignore=tests/bench $(PYTEST_ARGS)

# The deadline and results-night mixes with locust against gunicorn (DEBUG off), PostgreSQL and
# Redis on 127.0.0.1, bounded in time and users (scripts/loadtest/README.md, docs/performance.md).
loadtest: install
	$(BIN)/python scripts/loadtest/run.py $(LOADTEST_ARGS)

lint: $(VENV)/.synced
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint --check ecandidat
	$(BIN)/djlint --lint ecandidat
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy
	$(BIN)/python scripts/check_translations.py

format: $(VENV)/.synced
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Developers: refresh the French catalogue after changing user-facing strings.
messages: $(VENV)/.synced
	cd ecandidat && ../$(BIN)/python ../manage.py makemessages -l fr --no-obsolete --add-location file

clean:
	rm -rf $(VENV) node_modules var
