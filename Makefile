# The README's commands. Everything runs from one virtualenv that `make` creates on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Test processes (pytest-xdist): every one gets its own test database and Redis database.
TEST_PROCESSES ?= auto
# The catalogues shipped beside English, the source language (README: Languages).
LANGUAGES ?= fr ar

.PHONY: demo test lint check-deploy venv clean messages makemessages

venv: $(VENV)/.installed

# Reinstalled only when the pinned requirements change.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

## Start the app with demo data on the embedded default (SQLite, eager Celery, console SMS/email).
## Its links (texts, emails, the printed login URL) point at http://HOST:PORT unless PUBLIC_BASE_URL
## is set; the web process runs the beat schedule itself (config/embedded_schedule.py).
demo: venv messages
	$(BIN)/python manage.py migrate --noinput
	DEMO_HOST=$(HOST) DEMO_PORT=$(PORT) $(BIN)/python manage.py load_demo
	DEMO_HOST=$(HOST) DEMO_PORT=$(PORT) $(BIN)/python manage.py runserver $(HOST):$(PORT)

## Run the whole test suite (against DATABASE_URL / REDIS_URL when they are set).
## CLOCK="2027-01-01 00:30:00" runs it with every process's clock starting then (Debian's faketime).
test: venv messages
	$(if $(CLOCK),faketime "$(CLOCK)") $(BIN)/pytest -n $(TEST_PROCESSES) --dist loadfile

lint: venv
	$(BIN)/ruff check .

## The deployment checklist, with settings shaped like production's.
check-deploy: venv
	SECRET_KEY=check-deploy-$$(date +%s)-not-a-real-secret-but-long-enough-for-the-check \
	ALLOWED_HOSTS=learning.example.org DATABASE_URL=$${DATABASE_URL:-sqlite:///:memory:} \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

## Compile the translation catalogues (locale/*/LC_MESSAGES/django.po) into the .mo files Django
## reads: with GNU gettext's msgfmt when installed (as the Docker image does), else with Babel,
## which `make venv` installs, so a fresh machine needs nothing more. Fuzzy entries are left out either way.
messages: venv
	@if command -v msgfmt >/dev/null 2>&1; then \
		$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=staticfiles; \
	else \
		echo "msgfmt not found: compiling the catalogues with Babel"; \
		$(BIN)/pybabel compile --domain=django --directory=locale --statistics; \
	fi

## Extract new or changed strings into the catalogues (needs GNU gettext), then translate them.
makemessages: venv
	$(BIN)/python manage.py makemessages $(foreach language,$(LANGUAGES),--locale=$(language)) --no-obsolete

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
	find locale -name '*.mo' -delete
