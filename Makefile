# One-command set-up: `make run` serves the demo, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py
HOST ?= 127.0.0.1
PORT ?= 5000
# Links in mails and feeds, and the login URL seed-demo prints, follow HOST and PORT.
BASE_URL ?= http://$(HOST):$(PORT)
# The development mail catcher's SMTP port (make run).
MAIL_CATCHER_PORT ?= 8025
PYTEST_ARGS ?=
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run install install-dev system-deps assets migrate seed test lint format bench worker clean regen-migration \
	translations-extract translations-update translations-compile

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# Vendored front-end files (jsQR for the scanner, axe-core for the accessibility tests),
# installed from the npm registry and copied into static/ — never loaded from a CDN.
assets: static/js/vendor/.stamp

static/js/vendor/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	mkdir -p static/js/vendor
	cp node_modules/jsqr/dist/jsQR.js static/js/vendor/jsQR.js
	cp node_modules/jsqr/LICENSE static/js/vendor/jsQR.LICENSE
	cp node_modules/axe-core/axe.min.js static/js/vendor/axe.min.js
	cp node_modules/axe-core/LICENSE static/js/vendor/axe.LICENSE
	touch $@

# Debian packages the tests need: Chromium (Playwright drives it), zbar (QR decoding),
# poppler (PDF to image), fonts covering the EU languages, and wrk (the benchmarks' load
# generator).
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v zbarimg >/dev/null || missing="$$missing zbar-tools"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	command -v wrk >/dev/null || missing="$$missing wrk"; \
	[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$$missing fonts-dejavu-core"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

migrate: install
	mkdir -p instance
	$(BIN)/flask db upgrade

seed: migrate
	BASE_URL=$(BASE_URL) $(BIN)/flask seed-demo

# `make run` also starts the development mail catcher (a real SMTP server on 127.0.0.1,
# conference/mailcatcher.py) and sends the application's mail to it: every message is
# written to instance/mail/ and its links are printed here. It stops with the server.
run: assets translations-compile seed
	@echo "Serving on $(BASE_URL) (Ctrl-C to stop); mail goes to the catcher on 127.0.0.1:$(MAIL_CATCHER_PORT) (instance/mail/, and $(BASE_URL)/admin/mail)"
	$(BIN)/flask mail catcher --port $(MAIL_CATCHER_PORT) & catcher=$$!; trap 'kill $$catcher 2>/dev/null' EXIT; BASE_URL=$(BASE_URL) SIGNUP_MAIL_WAIT=2 MAIL_SERVER=127.0.0.1 MAIL_PORT=$(MAIL_CATCHER_PORT) MAIL_USE_TLS=0 MAIL_USERNAME= $(BIN)/flask run --host $(HOST) --port $(PORT)

test: install-dev system-deps assets translations-compile
	$(BIN)/pytest -n auto -q $(PYTEST_ARGS)

# Style, and the import contracts of pyproject.toml (layers between areas; ARCHITECTURE.md).
lint: install-dev
	$(BIN)/ruff check conference tests bench wsgi.py
	$(BIN)/ruff format --check conference tests bench wsgi.py
	$(BIN)/lint-imports

format: install-dev
	$(BIN)/ruff format conference tests bench wsgi.py
	$(BIN)/ruff check --fix conference tests bench wsgi.py

bench: install-dev system-deps
	$(BIN)/python -m bench

# Translations (README, "Languages"): extract the marked strings into the template, merge
# it into every catalogue (new strings empty, never guessed), compile the catalogues the app
# reads (the .mo files are built, not committed).
TRANSLATIONS := conference/translations

translations-extract: install
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l -k lazy_pgettext:1c,2 -o $(TRANSLATIONS)/messages.pot .

translations-update: translations-extract
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching

translations-compile: install
	$(BIN)/pybabel compile -d $(TRANSLATIONS) --statistics

worker: install
	$(BIN)/flask jobs worker

# Development only, while no database has been deployed: rebuild the initial migration
# from the models. After the first deployment, add new revisions with `flask db migrate`.
regen-migration: install
	rm -f /tmp/regen-migration.db migrations/versions/0001_initial_schema.py
	DATABASE_URL=sqlite:////tmp/regen-migration.db $(BIN)/flask db revision --autogenerate --rev-id 0001 -m "initial schema" >/dev/null
	rm -f /tmp/regen-migration.db

clean:
	rm -rf $(VENV) node_modules static/js/vendor .pytest_cache
