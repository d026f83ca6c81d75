# Fast Lead — the two commands a newcomer needs:
#   make run    install everything, migrate, load demo data, start web + worker + beat
#   make test   install everything, lint (ruff, import layers, mypy), run the whole test suite (browser tests included)
# Every step is idempotent; a second run only redoes what changed.

SHELL := /bin/bash
.DEFAULT_GOAL := run

VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
AS_POSTGRES := $(if $(SUDO),sudo -u postgres,runuser -u postgres --)
APT_INSTALL := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends
PYTEST_WORKERS ?= 2

# Where the services are: the same URLs (and defaults) as config/settings.
url_host_port = $(shell python3 -c 'import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(p.hostname or "127.0.0.1", p.port or sys.argv[2])' "$(1)" $(2))
DB_ADDR := $(call url_host_port,$(or $(DATABASE_URL),postgres://127.0.0.1:5432/fastlead),5432)
REDIS_ADDR := $(call url_host_port,$(or $(REDIS_URL),redis://127.0.0.1:6379/0),6379)
is_local = $(filter 127.0.0.1 localhost ::1,$(1))

# "Does something answer on this host and port?" without needing any client installed.
port_open = timeout 3 bash -c 'exec 3<>/dev/tcp/$(1)/$(2)' 2>/dev/null

.PHONY: run test setup system-packages services postgres redis browser db seed lint assets

run: setup db seed
	@echo
	@echo "  Fast Lead запущен:"
	@echo "    Публичный сайт:      http://localhost:$(PORT)/"
	@echo "    Демо-кабинет:        http://demo.localhost:$(PORT)/   (вход: demo@fastlead.ru / demo-fastlead-2026)"
	@echo "    Админка платформы:   http://localhost:$(PORT)/admin/  (вход: admin@fastlead.ru / admin-fastlead-2026,"
	@echo "                         затем код из приложения-аутентификатора с ключом FASTLEADDEVONLYSTAFFSECRET234567"
	@echo "                         или из команды: $(PY) manage.py staff_otp_code admin@fastlead.ru)"
	@echo "    Регистрация:         http://localhost:$(PORT)/signup   (письма — в http://localhost:$(PORT)/dev/mailbox)"
	@echo "    API и документация:  http://localhost:$(PORT)/api/v1/docs и http://demo.localhost:$(PORT)/api/v1/docs"
	@echo "    Платёжная песочница: http://127.0.0.1:8026/   (ЮKassa и T-Bank; тестовая карта 5555 5555 5555 4444)"
	@echo "    Песочница каналов:   http://127.0.0.1:8027/_sandbox/   (сообщения клиентам, ответ клиента, сбои; SMS, e-mail и Telegram демо-кабинета подключены к ней)"
	@echo "    Состояние:           http://localhost:$(PORT)/healthz"
	@echo
	PORT=$(PORT) PLATFORM_PORT=$(or $(PLATFORM_PORT),$(PORT)) $(VENV)/bin/honcho start

test: setup browser lint
	$(PY) -m pytest -n $(PYTEST_WORKERS)

# ruff, the layers of docs/ARCHITECTURE.md (import-linter) and the types (mypy with django-stubs).
lint: $(VENV)/.deps-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

setup: system-packages services $(VENV)/.deps-installed node_modules/.deps-installed assets

# --- machine packages: installed only when missing ----------------------------

system-packages:
	@missing=""; \
	python3 -c 'import ensurepip, venv' 2>/dev/null || missing="$$missing python3-venv python3-dev"; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$$missing fonts-dejavu-core"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	command -v promtool >/dev/null || missing="$$missing prometheus"; \
	[ -x /usr/sbin/pgbouncer ] || missing="$$missing pgbouncer"; \
	if [ -n "$$missing" ]; then \
		echo "Устанавливаю системные пакеты:$$missing"; \
		$(SUDO) apt-get update -q && $(APT_INSTALL) $$missing; \
	fi

services: postgres redis

postgres:
	@if $(call port_open,$(word 1,$(DB_ADDR)),$(word 2,$(DB_ADDR))); then :; \
	elif [ -z "$(call is_local,$(word 1,$(DB_ADDR)))" ]; then \
		echo "PostgreSQL из DATABASE_URL ($(DB_ADDR)) не отвечает"; exit 1; \
	else \
		echo "PostgreSQL не отвечает на порту $(word 2,$(DB_ADDR)) — устанавливаю из Debian"; \
		command -v pg_ctlcluster >/dev/null || { $(SUDO) apt-get update -q && $(APT_INSTALL) postgresql; }; \
		version=$$(ls /etc/postgresql | sort -V | tail -1); \
		$(SUDO) pg_ctlcluster --skip-systemctl-redirect $$version main start 2>/dev/null || true; \
		for i in $$(seq 1 30); do $(call port_open,127.0.0.1,5432) && break; sleep 1; done; \
		$(call port_open,127.0.0.1,5432) || { echo "PostgreSQL не запустился"; exit 1; }; \
		cd /tmp && $(AS_POSTGRES) psql -q -c "ALTER USER postgres PASSWORD 'postgres'"; \
	fi

redis:
	@if $(call port_open,$(word 1,$(REDIS_ADDR)),$(word 2,$(REDIS_ADDR))); then :; \
	elif [ -z "$(call is_local,$(word 1,$(REDIS_ADDR)))" ]; then \
		echo "Redis из REDIS_URL ($(REDIS_ADDR)) не отвечает"; exit 1; \
	else \
		echo "Redis не отвечает на порту $(word 2,$(REDIS_ADDR)) — устанавливаю из Debian"; \
		command -v redis-server >/dev/null || { $(SUDO) apt-get update -q && $(APT_INSTALL) redis-server; }; \
		$(SUDO) redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no; \
		for i in $$(seq 1 20); do $(call port_open,127.0.0.1,6379) && break; sleep 0.5; done; \
		$(call port_open,127.0.0.1,6379) || { echo "Redis не запустился"; exit 1; }; \
	fi

browser:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update -q && $(APT_INSTALL) $$missing; fi

# --- project dependencies and assets --------------------------------------------

$(VENV)/.deps-installed: requirements.txt requirements-dev.txt
	[ -x $(PY) ] || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

node_modules/.deps-installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

assets: static/dist/.built var/staticfiles/.collected locale/ru/LC_MESSAGES/django.mo

static/dist/.built: node_modules/.deps-installed tailwind.config.js tailwind.public.config.js static/build.mjs widget_cdn/static/widget_cdn/widget.js $(shell find static/src templates */templates shared_apps/*/templates tenant_apps/*/templates dev/*/templates -type f 2>/dev/null)
	npm run --silent build
	touch $@

var/staticfiles/.collected: static/dist/.built $(VENV)/.deps-installed
	$(PY) manage.py collectstatic --noinput -v 0
	touch $@

locale/ru/LC_MESSAGES/django.mo: locale/ru/LC_MESSAGES/django.po $(VENV)/.deps-installed
	msgfmt --check -o $@ $<

# --- database ------------------------------------------------------------------------

db: $(VENV)/.deps-installed services
	$(PY) manage.py ensure_database
	$(PY) manage.py migrate_schemas --noinput -v 0
	$(PY) manage.py fill_schema_pool

seed:
	PLATFORM_PORT=$(or $(PLATFORM_PORT),$(PORT)) $(PY) manage.py seed_demo

# --- benchmark (issue 18): bench/run.py on its own database (BENCH_DATABASE_URL, default fastlead_bench), ----
# gunicorn as in production, wrk from Debian when missing; prints the table and writes docs/PERFORMANCE.md.
# BENCH_ARGS passes options through, e.g. make bench BENCH_ARGS=--quick.

.PHONY: bench bench-pgbouncer

bench: setup
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -q && $(APT_INSTALL) wrk; }
	$(PY) bench/run.py $(BENCH_ARGS)

# The same, then the routes again through a local PgBouncer in session mode (Debian package, installed when missing).
bench-pgbouncer: setup
	@missing=""; \
	command -v wrk >/dev/null || missing="$$missing wrk"; \
	[ -x /usr/sbin/pgbouncer ] || missing="$$missing pgbouncer"; \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update -q && $(APT_INSTALL) $$missing; fi
	$(PY) bench/run.py --pgbouncer $(BENCH_ARGS)
