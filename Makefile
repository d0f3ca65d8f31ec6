# maillage — the two commands of the README:
#   make demo   installs, creates the SQLite database, loads the demo and serves http://127.0.0.1:8000
#   make test   installs and runs the whole test suite (SQLite, PostgreSQL, browser)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
PG_URL ?= postgres://postgres@127.0.0.1:5432/maillage
DEMO_ENV := DEBUG=true

.PHONY: demo install test test-sqlite test-postgres lint browser-deps pdf-deps messages

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP) pdf-deps

demo: install
	$(DEMO_ENV) $(PY) manage.py migrate --verbosity 0
	$(DEMO_ENV) $(PY) manage.py load_demo
	@echo "Serveur : http://127.0.0.1:8000  (Ctrl+C pour arrêter)"
	@$(DEMO_ENV) $(PY) manage.py run_huey --quiet & HUEY_PID=$$!; \
	  trap "kill $$HUEY_PID 2>/dev/null" EXIT INT TERM; \
	  $(DEMO_ENV) $(PY) manage.py runserver 127.0.0.1:8000

# Debian's Chromium drives the browser tests (Playwright cannot download browsers here).
browser-deps:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Installez Chromium : sudo apt-get install chromium" >&2; exit 1; fi; }

# WeasyPrint (server-side PDF of the planner's summary) needs Pango.
pdf-deps:
	@ldconfig -p | grep -q libpangoft2-1.0 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 >/dev/null; \
	  else echo "Installez Pango : sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0" >&2; exit 1; fi; }

lint: install
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run --verbosity 0

test-sqlite: install browser-deps
	$(VENV)/bin/pytest -q

test-postgres: install browser-deps
	@$(PY) -c "import psycopg,sys; psycopg.connect('$(PG_URL)'.replace('/maillage','/postgres'), connect_timeout=5).close()" \
	  || { echo "PostgreSQL injoignable sur $(PG_URL) : les tests PostgreSQL sont obligatoires." >&2; exit 1; }
	DATABASE_URL=$(PG_URL) $(VENV)/bin/pytest -q

test: lint test-sqlite test-postgres
