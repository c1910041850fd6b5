# Aiguillage: `make` alone lists the commands; `make run` starts the assistant, `make test` runs every test.
# Each sets everything up on a fresh machine (Python 3.10 virtual environment, packages, model).

SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Rasa 3.6 runs on Python 3.10 only: take python3.10 from the PATH if it works
# (pyenv's shim fails when the global version differs), else pyenv's own 3.10.
PYTHON310 := $(or $(shell python3.10 -c 'import sys; print(sys.executable)' 2>/dev/null),\
  $(lastword $(sort $(wildcard $(shell pyenv root 2>/dev/null)/versions/3.10*/bin/python3.10 \
                               $(HOME)/.pyenv/versions/3.10*/bin/python3.10))))

# `make audit` runs pip-audit from its own small environment, so the application's pinned set stays as it is.
AUDIT_VENV  := .venv-audit
AUDIT_STAMP := $(AUDIT_VENV)/.pip-audit-2.10.1

# The browser tests drive Debian's Chromium (never a downloaded browser) and inject axe-core from npm.
CHROMIUM := /usr/bin/chromium
AXE      := tests/browser/node_modules/axe-core/axe.min.js
# The booking tests run on PostgreSQL too: they start their own cluster with the server binaries of Debian's package.
INITDB   := $(firstword $(wildcard $(shell pg_config --bindir 2>/dev/null)/initdb /usr/lib/postgresql/*/bin/initdb) \
                        $(shell command -v initdb 2>/dev/null))

# pytest-xdist: two workers, in the order tests/conftest.py gives: the two retrainings first, one on each worker;
# the tests of the running stack together, so that it starts once.
WORKERS := --numprocesses 2 --dist loadgroup --no-loadscope-reorder

.DEFAULT_GOAL := help
.PHONY: help lint unit run test test-scale bench bench-places install browser postgres scale-servers train validate init-library bench-backup backup restore import-lieux communes-list telegram-webhook constraints audit clean

define need_python310
	@if [ -z "$(PYTHON310)" ]; then \
	  echo "Python 3.10 is needed (Rasa 3.6 supports nothing newer) and was not found."; \
	  echo "Install it, for example with 'pyenv install 3.10' or your system's python3.10 package, then run make again."; \
	  exit 1; fi
endef

help: ## These commands (the default)
	@echo "Aiguillage: make <command>"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /  \1\t/' | expand -t 20

run: install ## Train if needed, then start Rasa, the action server, the web server and the jobs
	$(PY) -m bot run

# The unit tests need no model: they run while it trains, then the others.
test: install ## Every test: lint, packages, data, unit, NLU, end-to-end, browser
	$(MAKE) --no-print-directory --jobs 2 --output-sync=target lint browser postgres validate train unit
	$(PY) -m pip check
	$(PY) -m pytest $(WORKERS) -m "not unit"

unit: install ## The tests that need no running stack, model, browser nor PostgreSQL (under 90 s)
	$(PY) -m pytest $(WORKERS) -m unit

lint: install ## ruff, mypy over bot/, and the import layers of docs/architecture.md
	$(VENV)/bin/ruff check bot tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

test-scale: install postgres scale-servers train ## 100 patrons for 2 minutes on 2 Rasa replicas behind nginx (PostgreSQL, Redis)
	$(PY) -m tests.scale

bench: install train ## Stock Rasa against Aiguillage: training, cold start, accuracy, latency, throughput, memory
	$(PY) -m bench
	$(PY) -m bench.places

bench-places: install ## 20 000 partner places: load, reload, memory, nearest-place search (bench/places.md)
	$(PY) -m bench.places

bench-backup: install ## Backup and restore of a year of a busy library: time and size (bench/backup.md)
	$(PY) -m bench.backup

backup: install ## A dated archive of the databases, the library's content and the model in BACKUP_DIR (var/backups)
	$(PY) -m bot backup

restore: install ## Put an archive back, the services stopped: make restore FILE=var/backups/aiguillage-….tar.gz [FORCE=1]
	@[ -n "$(FILE)" ] || { echo "Give the archive: make restore FILE=var/backups/aiguillage-….tar.gz [FORCE=1]"; exit 1; }
	$(PY) -m bot restore "$(FILE)" $(if $(FORCE),--force)

install: $(STAMP)

$(STAMP): requirements.txt constraints.txt
	$(need_python310)
	@[ -x $(PY) ] || $(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt -c constraints.txt
	$(PY) -m pip check
	@touch $@

browser: $(CHROMIUM) $(AXE) ## What the browser tests need: Chromium (Debian) and axe-core (npm)

$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; else \
	  echo "The browser tests need Chromium at $(CHROMIUM): run 'sudo apt-get install chromium', then make again."; \
	  exit 1; fi

$(AXE): tests/browser/package.json tests/browser/package-lock.json
	@if ! command -v npm >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq npm; else \
	    echo "The browser tests need npm (for axe-core): run 'sudo apt-get install npm', then make again."; \
	    exit 1; fi; fi
	cd tests/browser && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

postgres: ## What the booking tests need on PostgreSQL: the server binaries (Debian); the tests start their own cluster
	@if [ -z "$(INITDB)" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq postgresql; else \
	    echo "The booking tests need PostgreSQL's server: run 'sudo apt-get install postgresql', then make again."; \
	    exit 1; fi; fi

scale-servers: ## What make test-scale needs: Redis and nginx (Debian); the test starts its own instances
	@missing=""; command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || missing="$$missing nginx"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq$$missing; else \
	    echo "make test-scale needs Redis and nginx: run 'sudo apt-get install$$missing', then make again."; \
	    exit 1; fi; fi

validate: install ## Knowledge base files and Rasa training data
	$(PY) -m bot validate

init-library: install ## A library's own instance outside the repository: make init-library DIR=/srv/aiguillage [FORCE=1]
	@[ -n "$(DIR)" ] || { echo "Give the folder: make init-library DIR=/srv/aiguillage"; exit 1; }
	$(PY) -m bot init-library "$(DIR)" $(if $(FORCE),--force)

import-lieux: install ## Partner files from a national file (CSV, JSON): make import-lieux FILE=lieux.csv [KIND=caf] [FORCE=1] [REMOVE_GONE=1]
	@[ -n "$(FILE)" ] || { echo "Give the file: make import-lieux FILE=lieux.csv"; exit 1; }
	$(PY) -m bot import-lieux "$(FILE)" $(if $(KIND),--kind $(KIND)) $(if $(FORCE),--force) \
	  $(if $(REMOVE_GONE),--remove-gone)

communes-list: install ## Rebuild reference/communes.csv from npm's @etalab/decoupage-administratif (reference/README.md)
	$(PY) -m bot.knowledge.communes_list

telegram-webhook: install ## Register TELEGRAM_WEBHOOK_URL with Telegram (webhook mode; polling needs nothing)
	$(PY) -m bot telegram-webhook

train: install ## Train a model, only if its inputs changed since the last one
	$(PY) -m bot train

constraints: ## Re-pin every package after a change to requirements.txt
	rm -rf /tmp/aiguillage-pin && $(PYTHON310) -m venv /tmp/aiguillage-pin
	/tmp/aiguillage-pin/bin/pip install --quiet -r requirements.txt
	{ echo "# Every package pinned, generated with 'make constraints' (pip freeze of a clean install on Python 3.10)."; \
	  /tmp/aiguillage-pin/bin/pip freeze --exclude-editable; } > constraints.txt

audit: $(AUDIT_STAMP) ## Known vulnerabilities of constraints.txt (pip-audit), but those in audit-exceptions.txt
	$(AUDIT_VENV)/bin/pip-audit --requirement constraints.txt --no-deps --disable-pip --strict \
	  --progress-spinner off --desc on $$(grep -o '^--ignore-vuln [^ #]*' audit-exceptions.txt)

$(AUDIT_STAMP):
	$(need_python310)
	@[ -x $(AUDIT_VENV)/bin/python ] || $(PYTHON310) -m venv $(AUDIT_VENV)
	$(AUDIT_VENV)/bin/pip install --quiet pip-audit==$(patsubst $(AUDIT_VENV)/.pip-audit-%,%,$@)
	@touch $@

clean: ## Remove the virtual environment, models and runtime data
	rm -rf $(VENV) $(AUDIT_VENV) models var .rasa .pytest_cache tests/browser/node_modules
