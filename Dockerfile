# One image for web, the sending and sync workers and beat (docker-compose.yml picks the command).
# gunicorn reads config/gunicorn.py: workers, the 120 s timeout, and an access log with no address,
# user agent or token in it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app
RUN useradd --create-home --uid 1000 app
# GNU gettext's msgfmt compiles the translation catalogues (locale/) at build time.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Static files are collected at build time; the throwaway key only satisfies the settings check.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput
# Issue 16: the .mo files are build output, never committed; a broken catalogue fails the build.
RUN SECRET_KEY=compilemessages-only python manage.py compilemessages --ignore=staticfiles

USER app
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--config", "python:config.gunicorn"]
