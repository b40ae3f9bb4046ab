# The README's commands. Everything runs from one virtualenv that `make` creates on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test lint check-deploy venv clean

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
demo: venv
	$(BIN)/python manage.py migrate --noinput
	DEMO_HOST=$(HOST) DEMO_PORT=$(PORT) $(BIN)/python manage.py load_demo
	DEMO_HOST=$(HOST) DEMO_PORT=$(PORT) $(BIN)/python manage.py runserver $(HOST):$(PORT)

## Run the whole test suite (against DATABASE_URL / REDIS_URL when they are set).
## CLOCK="2027-01-01 00:30:00" runs it with every process's clock starting then (Debian's faketime).
test: venv
	$(if $(CLOCK),faketime "$(CLOCK)") $(BIN)/pytest

lint: venv
	$(BIN)/ruff check .

## The deployment checklist, with settings shaped like production's.
check-deploy: venv
	SECRET_KEY=check-deploy-$$(date +%s)-not-a-real-secret-but-long-enough-for-the-check \
	ALLOWED_HOSTS=learning.example.org DATABASE_URL=$${DATABASE_URL:-sqlite:///:memory:} \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
