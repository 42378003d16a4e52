# Two commands do everything: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1:8000

.PHONY: run install install-dev test test-fast test-postgres lint format browser-deps clean audit

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

# axe-core for the browser tests, exactly as package-lock.json pins it. The stamp lives in node_modules:
# deleting node_modules installs it again.
node_modules/.installed: package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $@

install: $(VENV)/.installed

# The OpenID Connect provider of the Pro Santé Connect tests (oidc-provider), as tests/oidc/package-lock.json pins it.
tests/oidc/node_modules/.installed: tests/oidc/package.json tests/oidc/package-lock.json
	npm ci --silent --no-audit --no-fund --prefix tests/oidc
	touch $@

install-dev: $(VENV)/.installed-dev node_modules/.installed tests/oidc/node_modules/.installed

# Demo: embedded SQLite database, demo data, demo card reader, mails printed in the console.
# SITE_URL follows HOST so that links in mails point at this server.
# The journal's signing key and signed checkpoints of the demo live in var/ (not versioned).
RUN_ENV = DEBUG=$${DEBUG:-1} DEMO=$${DEMO:-1} SITE_URL=$${SITE_URL:-http://$(HOST)} \
  JOURNAL_SIGNING_KEY_FILE=$${JOURNAL_SIGNING_KEY_FILE:-var/journal-signing-key.pem} \
  JOURNAL_CHECKPOINT_DIR=$${JOURNAL_CHECKPOINT_DIR:-var/journal-checkpoints}
run: install
	$(RUN_ENV) $(PY) manage.py migrate --noinput
	$(RUN_ENV) $(PY) manage.py load_demo
	@# The mail worker sends every mail (requests only queue them) and retries; the journal is signed now and
	@# every hour. Both stop with the server.
	$(RUN_ENV) $(PY) manage.py run_mail_worker & worker=$$!; \
	  $(RUN_ENV) $(PY) manage.py journal_checkpoint --create-key --first --every 3600 & checkpoints=$$!; \
	  trap 'kill $$worker $$checkpoints 2>/dev/null' EXIT INT TERM; \
	  $(RUN_ENV) $(PY) manage.py runserver $(HOST)

# Debian's Chromium drives the browser tests (a test tool's own browser download cannot work here).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "Installez Chromium : sudo apt-get install chromium"; exit 1; fi; }
	@# pdftotext: the tests read the « Attestation (PDF) » as a reader would.
	@command -v pdftotext >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ]; then apt-get update -qq && apt-get install -y -qq poppler-utils >/dev/null; \
	  else echo "Installez poppler-utils : sudo apt-get install poppler-utils"; exit 1; fi; }

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	@# Types ([tool.mypy] in pyproject.toml); the Django plugin imports tests.settings (a test-only SECRET_KEY).
	$(VENV)/bin/mypy
	$(VENV)/bin/djlint --lint .
	@# DEBUG=1: the development key (without DEBUG, settings refuse to start with no SECRET_KEY).
	DEBUG=1 $(PY) manage.py check
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The suite on every core (pytest-xdist; WORKERS=0 for a single process), browser tests included.
WORKERS ?= auto
PYTEST_PARALLEL = $(VENV)/bin/pytest -q -n $(WORKERS) --dist worksteal

# SQLite whatever DATABASE_URL the shell exports (test-postgres is the PostgreSQL run).
test: install-dev browser-deps lint
	env -u DATABASE_URL $(PYTEST_PARALLEL)

# While developing: without the long property and fuzz tests (marker slow) and the browser tests, no lint.
test-fast: install-dev
	env -u DATABASE_URL $(PYTEST_PARALLEL) -m "not slow and not browser"

# The same suite against PostgreSQL (DATABASE_URL may point elsewhere).
test-postgres: install-dev browser-deps
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/espace_medecins} $(PYTEST_PARALLEL)

# Mutation testing (docs/tests.md): mutmut changes the protections' modules one mutant at a time
# ([tool.mutmut] in pyproject.toml) and re-runs the tests that reach it. Slow: run by hand before resolving an
# issue that touches them, never in CI. SQLite in memory (forked workers cannot share one PostgreSQL test
# database). Narrow it with MUTANTS, e.g. make mutation MUTANTS='core.ratelimit*'.
MUTATION_CHILDREN ?= 2
.PHONY: mutation
mutation: install-dev
	set -f; env -u DATABASE_URL $(VENV)/bin/mutmut run --max-children $(MUTATION_CHILDREN) $(MUTANTS)
	$(VENV)/bin/mutmut results

# Security audit: bandit over the project's Python, pip-audit over the dependencies (docs/securite.md, « Durcissement »).
audit: install-dev
	VENV=$(VENV) bash .ci/audit

clean:
	rm -rf $(VENV) node_modules tests/oidc/node_modules staticfiles db.sqlite3* var .import_linter_cache .mypy_cache mutants

# National-scale load benchmark on PostgreSQL (docs/performance.md, about 15 minutes):
# seeds bench_national (COPY) and bench_small, then gunicorn + wrk. Debian's wrk is installed when missing.
.PHONY: bench
bench: install-dev
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null; \
	  else echo "Installez wrk : sudo apt-get install wrk"; exit 1; fi; }
	$(PY) bench/seed_national.py --scale national --database bench_national
	$(PY) bench/seed_national.py --scale small --database bench_small
	$(PY) -u bench/load.py --large bench_national --small bench_small

# Benchmark of the national directory: generated 2.3-million-line extract, import and 1,000 searches on
# SQLite (temporary file) and PostgreSQL (database bench_annuaire, re-created). See docs/performance.md.
.PHONY: bench-annuaire
bench-annuaire: install-dev
	$(PY) bench/bench_directory.py
