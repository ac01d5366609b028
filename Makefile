# Two commands for a machine with only Python 3.11 and make:
#   make run   — set up, load demo data once, serve the portal with a Celery worker and beat
#   make test  — set up and run the whole suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)
PORT   ?= 8000
SCALE  ?= demo
PYTEST_ARGS ?=

.PHONY: run test setup services migrate messages lint stop-services clean bench prod-check drills drill-partitioning

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-*; touch $@

setup: $(STAMP)
	$(BIN)/python scripts/i18n.py compile
	$(BIN)/python -m zhenhai.local_services up

migrate: setup
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_calendar

run: migrate
	$(BIN)/python manage.py seed_demo --scale $(SCALE)
	@echo "Portal: http://127.0.0.1:$(PORT)/  (health: http://127.0.0.1:$(PORT)/health/) — Ctrl-C stops web, worker and beat."
	@echo "Links in texts and notifications point to $${PUBLIC_BASE_URL:-http://127.0.0.1:$(PORT)} (set PUBLIC_BASE_URL to change)."
	PORT=$(PORT) PUBLIC_BASE_URL=$${PUBLIC_BASE_URL:-http://127.0.0.1:$(PORT)} $(BIN)/honcho start -f Procfile

test: setup
	$(BIN)/python -m pytest -n 2 --create-db $(PYTEST_ARGS)

# Benchmarks at district or city scale (docs/performance.md): seeds or reuses zhenhai_bench_<scale>,
# runs the cases, writes bench/results/. `make bench SCALE=district` (the default) or SCALE=city;
# BENCH_ARGS passes options on (e.g. BENCH_ARGS="--cases triage,sweep --repeat 60").
BENCH_ARGS ?=
bench: setup
	$(BIN)/python bench/run.py --scale $(if $(filter demo,$(SCALE)),district,$(SCALE)) $(BENCH_ARGS)

# Extract new strings into the catalogues (needs GNU gettext), then translate locale/zh_Hans.
messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l zh_Hans -l en --no-location \
		--ignore=.venv --ignore=var --ignore=static --ignore=tests --ignore=bench
	$(BIN)/python scripts/i18n.py missing || true

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

stop-services:
	$(BIN)/python -m zhenhai.local_services stop

clean: stop-services
	rm -rf var

# Production settings started as deploy/ runs them (gunicorn) against the machine's PostgreSQL and
# Redis; checks /health/, check --deploy and DEBUG off (docs/deployment.md).
prod-check: setup
	$(BIN)/python scripts/prod_check.py

# Operations drills that take minutes (docs/deployment.md, docs/scaling.md): point-in-time recovery
# with the machine's PostgreSQL binaries, the API and export tests through a real PgBouncer, and two
# web nodes behind one nginx sharing sessions.
drills: setup
	bash scripts/drills/pitr.sh
	bash scripts/drills/pgbouncer.sh
	$(BIN)/python scripts/drills/two_nodes.py

# The partitioning prototype (docs/scaling.md, "A province"): timeline and audit tables plain and
# partitioned by month in a scratch database, sweep/item page/export timed on both. Slow (minutes
# to tens of minutes with PETITIONS), so not part of `make drills` nor CI; its output goes to
# docs/drills/. PARTITIONING_ARGS passes options on (--months, --repeat, --server-url, --keep).
PETITIONS ?= 1000000
PARTITIONING_ARGS ?=
drill-partitioning: setup
	mkdir -p docs/drills
	$(BIN)/python scripts/drills/partitioning.py --petitions $(PETITIONS) \
		--output docs/drills/partitioning-$$(date -u +%Y%m%d).txt $(PARTITIONING_ARGS)
