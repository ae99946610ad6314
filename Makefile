# The two commands a developer needs: `make run` and `make test`. Everything installs itself.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000

.PHONY: run test lint bench bench-load bench-personal clean

$(VENV)/.runtime-installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.runtime-installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

## run: install, migrate the embedded SQLite database, load the demo catalog, make sure a staff
## login exists, then serve http://127.0.0.1:$(PORT) with a Celery worker and beat.
run: export SHOP_BASE_URL ?= http://127.0.0.1:$(PORT)
run: $(VENV)/.runtime-installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo_catalog
	$(PY) manage.py ensure_staff_user
	PORT=$(PORT) PY=$(PY) bin/run-dev

## test: lint, then the whole suite on the embedded defaults (or on whatever DATABASE_URL and
## CELERY_BROKER_URL point at).
test: $(VENV)/.dev-installed
	$(PY) -m ruff check .
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed
	$(PY) -m ruff check .

## bench: stock sync of a 100,000-row feed on PostgreSQL against a COPY + UPDATE floor; prints figures.
bench: $(VENV)/.dev-installed
	$(PY) bench/stock_sync.py

## bench-personal: 5,000 virtual people, four 12-week rounds, population formula vs the own response; prints figures.
bench-personal: $(VENV)/.dev-installed
	$(PY) bench/personal_dosing.py $(BENCH_ARGS)

## bench-load: storefront and API under load (gunicorn on PostgreSQL + Redis, driven by wrk); prints figures.
bench-load: $(VENV)/.dev-installed
	$(PY) bench/load.py $(BENCH_ARGS)

clean:
	rm -rf var staticfiles test-artifacts .pytest_cache
