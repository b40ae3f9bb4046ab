"""One settings module for both ways to run, read from the environment (12-factor).

Nothing set is the embedded default: SQLite, Celery tasks run eagerly in-process, a local-memory
cache, SMS and email printed to the console, DEBUG on and served to 127.0.0.1 only.
A deployment sets SECRET_KEY (which turns DEBUG off), DATABASE_URL, REDIS_URL and ALLOWED_HOSTS.
"""

from __future__ import annotations

import ipaddress
import os
from decimal import Decimal
from pathlib import Path

import environ
from celery.schedules import crontab

from config.public_address import public_base_url

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# A deployment is recognised by its secret: without one we are on a developer's machine.
_SECRET_KEY_FROM_ENV = env.str("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=not _SECRET_KEY_FROM_ENV)
SECRET_KEY = _SECRET_KEY_FROM_ENV or "embedded-default-not-secret-do-not-deploy"
if not DEBUG and not _SECRET_KEY_FROM_ENV:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The programme's name as employees see it in pages, texts and emails.
PROGRAMME_NAME = env.str("PROGRAMME_NAME", default="Learn Socially")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_celery_beat",
    "simple_history",
    "import_export",
    # Our apps, in the direction imports point: campaigns and analytics build on the first two.
    "channels.apps.ChannelsConfig",
    "curation.apps.CurationConfig",
    "campaigns.apps.CampaignsConfig",
    "analytics.apps.AnalyticsConfig",
    # Curator sign-in (issue 13): allauth's login, MFA and SSO, and our sign-in audit.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "accounts.apps.AccountsConfig",
    # Email through a sending service (issue 16): its system checks and tracking webhooks.
    "anymail",
]

MIDDLEWARE = [
    # Issue 17: first, so every line a request writes carries its id (and the response says it).
    "config.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Issue 13: a Content-Security-Policy and a Permissions-Policy on every response.
    "csp.middleware.CSPMiddleware",
    "config.permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Issue 16: employees' pages in their language (Django's LocaleMiddleware); the admin in English.
    "config.middleware.EmployeeLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Issue 13 (odd input): a NUL in the address is a 400, not a PostgreSQL error.
    "config.middleware.RefuseNulCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.programme",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0 if DEBUG else 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis is the broker and the cache in production; without it the app runs in one process.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
# The languages employees can read the programme in (issue 16): pages, emails, system texts and
# campaign messages. Each has a complete catalogue in locale/; Arabic is laid out right-to-left.
LANGUAGES = [
    ("en-gb", "English"),
    ("fr", "Français"),
    ("ar", "العربية"),
]
# The catalogues (English is the source); `make messages` compiles them, see the README's Languages.
LOCALE_PATHS = [BASE_DIR / "locale"]
# The switcher's choice (Django's set_language): sent over HTTPS only in production, never to scripts.
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Elsewhere only for tests that collect the files the way a production image does.
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed files in production; plain files while developing and testing.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Email: console by default, any SMTP server or ESP by EMAIL_URL (smtp+tls://user:pass@host:587).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default=f"{PROGRAMME_NAME} <learning@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A mail server that stops answering fails the send in seconds: a part of a campaign holds its
# recipients' locks while it sends, so a STOP would otherwise wait on it without end.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# Email through a sending service (issue 16): EMAIL_BACKEND=anymail.backends.postmark.EmailBackend
# (or mailgun, sendgrid, brevo, amazon_ses...) overrides EMAIL_URL's; every ANYMAIL_* variable
# becomes an ANYMAIL setting (ANYMAIL_POSTMARK_SERVER_TOKEN -> POSTMARK_SERVER_TOKEN).
if env.str("EMAIL_BACKEND", default=""):
    EMAIL_BACKEND = env.str("EMAIL_BACKEND")
ANYMAIL = {
    name.removeprefix("ANYMAIL_"): value
    for name, value in os.environ.items()
    if name.startswith("ANYMAIL_") and value
}
# Basic auth for the webhooks, "user:password"; a comma-separated list while rotating. Required:
# without it the tracking webhooks answer 403 (anymail alone would only warn).
ANYMAIL["WEBHOOK_SECRET"] = env.list("ANYMAIL_WEBHOOK_SECRET", default=[])
# The same bound as SMTP's: a part of a campaign holds its recipients' locks while it sends.
ANYMAIL["REQUESTS_TIMEOUT"] = EMAIL_TIMEOUT
# Open and click tracking stay off: an open or a click per person is what we never record.
ANYMAIL["SEND_DEFAULTS"] = {"track_opens": False, "track_clicks": False}
# A soft bounce (mailbox full, server busy) is retried by the service; an address whose emails
# soft-bounced this many times in a row, with nothing delivered in between, is suppressed.
EMAIL_SOFT_BOUNCE_LIMIT = env.int("EMAIL_SOFT_BOUNCE_LIMIT", default=3)
# Spam complaints: a send is paused once its complaints pass this share of the emails handed over
# (0.3%: the spam rate Gmail and Yahoo tell bulk senders never to reach), and at least
# EMAIL_COMPLAINT_PAUSE_MIN of them, so one complaint in a small send does not trip it.
EMAIL_COMPLAINT_PAUSE_RATE = env.float("EMAIL_COMPLAINT_PAUSE_RATE", default=0.003)
EMAIL_COMPLAINT_PAUSE_MIN = env.int("EMAIL_COMPLAINT_PAUSE_MIN", default=3)

# SMS leaves through a backend chosen like EMAIL_BACKEND (twilio / console / locmem).
SMS_BACKEND = env.str("SMS_BACKEND", default="campaigns.sms.console.ConsoleBackend")

# Where employees reach us: links in texts and emails, and the URL Twilio signs its webhooks
# against (never derived from Host or X-Forwarded-* headers, which a caller controls). Unset,
# the demo's own address: http://HOST:PORT as `make demo` serves it (127.0.0.1:8000 by default).
PUBLIC_BASE_URL = public_base_url(os.environ)

# Who may sign up: an address on an allowed email domain, or the invitation code. With neither
# configured, sign-up is closed. The embedded default opens it for the demo organisation.
SIGNUP_ALLOWED_EMAIL_DOMAINS = env.list(
    "SIGNUP_ALLOWED_EMAIL_DOMAINS", default=["acme-learning.example"] if DEBUG else []
)
SIGNUP_INVITATION_CODE = env.str("SIGNUP_INVITATION_CODE", default="LEARN-2026" if DEBUG else "")
# Numbers from other countries are refused before any SMS is spent (ISO 3166 region codes).
SIGNUP_ALLOWED_REGIONS = env.list("SIGNUP_ALLOWED_REGIONS", default=["GB", "IE"])
PHONE_DEFAULT_REGION = env.str("PHONE_DEFAULT_REGION", default="GB")
# SMS pumping defence (django-ratelimit rates, counted in the shared cache).
SIGNUP_RATE_PER_IP = env.str("SIGNUP_RATE_PER_IP", default="10/h")
SIGNUP_RATE_PER_NUMBER = env.str("SIGNUP_RATE_PER_NUMBER", default="3/h")
SIGNUP_RATE_PER_PREFIX = env.str("SIGNUP_RATE_PER_PREFIX", default="30/h")
SIGNUP_SMS_DAILY_CAP = env.int("SIGNUP_SMS_DAILY_CAP", default=500)
# Sign-up abuse (issue 13): SIGNUP_RATE_PER_NUMBER counts per client address, so one visitor
# cannot lock an employee out; this ceiling over all clients still bounds the texts to one number.
SIGNUP_RATE_PER_NUMBER_CEILING = env.str("SIGNUP_RATE_PER_NUMBER_CEILING", default="6/h")
# Confirmation emails, limited as codes are (per address: per client, with a ceiling over all).
# The domain limit is shared by every employee on the work domain, so it is set high.
SIGNUP_EMAIL_RATE_PER_IP = env.str("SIGNUP_EMAIL_RATE_PER_IP", default="10/h")
SIGNUP_EMAIL_RATE_PER_ADDRESS = env.str("SIGNUP_EMAIL_RATE_PER_ADDRESS", default="3/h")
SIGNUP_EMAIL_RATE_PER_ADDRESS_CEILING = env.str("SIGNUP_EMAIL_RATE_PER_ADDRESS_CEILING", default="6/h")
SIGNUP_EMAIL_RATE_PER_DOMAIN = env.str("SIGNUP_EMAIL_RATE_PER_DOMAIN", default="100/h")
SIGNUP_EMAIL_DAILY_CAP = env.int("SIGNUP_EMAIL_DAILY_CAP", default=500)
# Quiz answers counted per client address: past it, a result is shown but not counted.
QUIZ_RATE_PER_IP = env.str("QUIZ_RATE_PER_IP", default="20/h")
# Suppressed addresses are kept only as keyed hashes; the key must outlive SECRET_KEY rotations.
SUPPRESSION_HASH_KEY = env.str("SUPPRESSION_HASH_KEY", default=SECRET_KEY)

# Twilio, used when SMS_BACKEND is campaigns.sms.twilio.TwilioBackend.
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_MESSAGING_SERVICE_SID = env.str("TWILIO_MESSAGING_SERVICE_SID", default="")
TWILIO_FROM_NUMBER = env.str("TWILIO_FROM_NUMBER", default="")
TWILIO_TIMEOUT_SECONDS = env.float("TWILIO_TIMEOUT_SECONDS", default=10)
# Another Twilio-compatible API address (a regional proxy, or the loopback fake in tests).
TWILIO_API_BASE_URL = env.str("TWILIO_API_BASE_URL", default="")
# A text stuck in the provider's queue longer than this expires rather than arriving at night.
SMS_VALIDITY_SECONDS = env.int("SMS_VALIDITY_SECONDS", default=4 * 3600)

# WhatsApp leaves through a backend chosen like SMS_BACKEND (twilio / console / locmem); the Twilio
# one uses the account above, from a WhatsApp sender (a number, or a Messaging Service holding one).
WHATSAPP_BACKEND = env.str("WHATSAPP_BACKEND", default="campaigns.whatsapp.console.ConsoleBackend")
TWILIO_WHATSAPP_FROM = env.str("TWILIO_WHATSAPP_FROM", default="")  # E.164, without "whatsapp:"
TWILIO_WHATSAPP_MESSAGING_SERVICE_SID = env.str("TWILIO_WHATSAPP_MESSAGING_SERVICE_SID", default="")
# Twilio's default WhatsApp throughput is 80 messages a second per sender.
WHATSAPP_RATE_PER_SECOND = env.float("WHATSAPP_RATE_PER_SECOND", default=80)

# Campaign sending. Working hours in each recipient's own zone; nothing is sent outside them.
SEND_WINDOW_START = env.str("SEND_WINDOW_START", default="08:00")
SEND_WINDOW_END = env.str("SEND_WINDOW_END", default="20:00")
SEND_WINDOW_DAYS = env.list("SEND_WINDOW_DAYS", cast=int, default=[0, 1, 2, 3, 4])  # Monday is 0
# Weekly campaigns repeat at the same wall-clock time here, whatever DST does.
PROGRAMME_TIME_ZONE = env.str("PROGRAMME_TIME_ZONE", default="Europe/London")
# The consent text promises "a few messages a week at most".
CAMPAIGN_WEEKLY_CAP = env.int("CAMPAIGN_WEEKLY_CAP", default=3)
# How long after a message its "useful?" may be answered (a reply 1/2, an email's buttons); the
# receipts that count each person once are deleted when it closes.
FEEDBACK_WINDOW_DAYS = env.int("FEEDBACK_WINDOW_DAYS", default=7)
# Provider throughput, shared by all workers. Twilio: a long code sends about 1 segment a second,
# toll-free about 3, a short code 100 or more. SMS_RATE_PER_SECOND overrides the sender type's.
SMS_SENDER_TYPE = env.str("SMS_SENDER_TYPE", default="long_code")
SMS_SENDER_RATES = {"long_code": 1, "toll_free": 3, "short_code": 100, "unlimited": 1000}
SMS_RATE_PER_SECOND = env.float(
    "SMS_RATE_PER_SECOND", default=0 if SMS_BACKEND.endswith("TwilioBackend") else 1000
)
EMAIL_RATE_PER_SECOND = env.float("EMAIL_RATE_PER_SECOND", default=20)
SMS_PRICE_PER_SEGMENT = Decimal(env.str("SMS_PRICE_PER_SEGMENT", default="0.0400"))
SMS_PRICE_CURRENCY = env.str("SMS_PRICE_CURRENCY", default="GBP")
DELIVERY_BATCH_SIZE = env.int("DELIVERY_BATCH_SIZE", default=500)
SEND_PARALLEL_TASKS = env.int("SEND_PARALLEL_TASKS", default=4)
SEND_TASK_SECONDS = env.float("SEND_TASK_SECONDS", default=50)
# A claim is a lease its worker renews before every part of a batch (about every second; at most
# a second plus one provider call, TWILIO_TIMEOUT_SECONDS, apart). One not renewed for this long
# has lost its worker: the reconciler (beat, every minute) asks the provider's log about its rows
# and queues the rest, so a killed worker's texts go on within this plus a minute.
# The broker's visibility timeout is left at Redis's hour on purpose: a killed worker's task comes
# back only then, and harmlessly (a run twice claims other rows or none), but resuming does not
# wait for it. A timeout sized to the sends (under a minute) would be shorter than the syncs'
# retry countdowns (up to SYNC_RETRY_MAX_SECONDS), which would then run twice.
DELIVERY_CLAIM_SECONDS = env.int("DELIVERY_CLAIM_SECONDS", default=30)
DELIVERY_MAX_ATTEMPTS = env.int("DELIVERY_MAX_ATTEMPTS", default=5)
DELIVERY_RETRY_SECONDS = env.int("DELIVERY_RETRY_SECONDS", default=30)
# Pause a campaign when at least this many sends failed and they are this share of those tried.
PAUSE_AFTER_FAILURES = env.int("PAUSE_AFTER_FAILURES", default=20)
PAUSE_FAILURE_RATE = env.float("PAUSE_FAILURE_RATE", default=0.5)

# Celery: Redis as broker in production; eager in-process execution for the embedded default.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
# A task whose worker died is delivered again; our tasks are written to be safe to run twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker outlives its broker: it keeps trying to reconnect however long Redis is away (Celery's
# default gives up after 100 tries and the worker exits).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Bounded waits on the broker's sockets: a Redis that vanished without closing them (a partition,
# a suspended host) fails a read or a connect in seconds instead of wedging the worker's cleanup
# or a web request's publish. Longer than BRPOP's one-second poll, which a live Redis answers.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_timeout": 10, "socket_connect_timeout": 5}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The default schedule; beat copies it into django-celery-beat, where operators (superusers) see and pause it.
CELERY_BEAT_SCHEDULE = {
    # Tracked-link clicks wait in Redis so the redirect never waits for PostgreSQL.
    "flush-link-clicks": {"task": "campaigns.tasks.flush_link_clicks", "schedule": 60.0},
    # Scheduled and weekly campaigns are released from the database, not from far-future ETAs.
    "release-scheduled-campaigns": {"task": "campaigns.tasks.release_scheduled_campaigns", "schedule": 60.0},
    # Claims whose worker died are settled from Twilio's log; due sends get a task.
    "reconcile-deliveries": {"task": "campaigns.tasks.reconcile_deliveries", "schedule": 60.0},
    # Hourly: the oldest-checked placements' links; gone or private pages drop out of campaigns.
    "check-links": {"task": "curation.tasks.check_links", "schedule": crontab(minute=17)},
    # Early each morning: yesterday and the days sources still correct, from GA4, YouTube and clicks.
    "daily-metric-syncs": {
        "task": "analytics.tasks.queue_daily_syncs",
        "schedule": crontab(hour=4, minute=30),
    },
}
# Early each morning, after the syncs: decisions whose four weeks after have ended are measured.
CELERY_BEAT_SCHEDULE["measure-decision-outcomes"] = {
    "task": "analytics.tasks.measure_due_outcomes",
    "schedule": crontab(hour=6, minute=15),
}
# Sign-up (issue 13): expired sign-up sessions still hold what was typed until they are deleted.
CELERY_BEAT_SCHEDULE["clear-expired-sessions"] = {
    "task": "campaigns.tasks.clear_expired_sessions",
    "schedule": 600.0,
}
# Journeys move people on by the minute, as campaigns are released.
CELERY_BEAT_SCHEDULE["run-journeys"] = {"task": "campaigns.tasks.run_journeys", "schedule": 60.0}
# Issue 15: "useful?" receipts (who has answered, as keyed hashes) go when their message's window closes.
CELERY_BEAT_SCHEDULE["forget-expired-voice-receipts"] = {
    "task": "campaigns.tasks.forget_expired_voice_receipts",
    "schedule": crontab(hour=3, minute=40),
}
# The embedded default has no beat: the process serving the app runs this schedule in a thread
# of its own (config/embedded_schedule.py), so texts waiting for working hours go out then.
EMBEDDED_SCHEDULE = env.bool("EMBEDDED_SCHEDULE", default=CELERY_TASK_ALWAYS_EAGER and not REDIS_URL)

# Analytics sources. GA4: a service account with Viewer on the property (its JSON key file).
GA4_CREDENTIALS_FILE = env.str("GA4_CREDENTIALS_FILE", default="")
# YouTube Analytics accepts only the channel owner's OAuth grant: a refresh token and its client.
YOUTUBE_CLIENT_ID = env.str("YOUTUBE_CLIENT_ID", default="")
YOUTUBE_CLIENT_SECRET = env.str("YOUTUBE_CLIENT_SECRET", default="")
YOUTUBE_REFRESH_TOKEN = env.str("YOUTUBE_REFRESH_TOKEN", default="")
YOUTUBE_TOKEN_URI = env.str("YOUTUBE_TOKEN_URI", default="https://oauth2.googleapis.com/token")
# Other API addresses (a proxy, or the loopback fakes in tests); empty means Google's own.
GA4_API_ENDPOINT = env.str("GA4_API_ENDPOINT", default="")
YOUTUBE_API_ENDPOINT = env.str("YOUTUBE_API_ENDPOINT", default="")
GOOGLE_TIMEOUT_SECONDS = env.float("GOOGLE_TIMEOUT_SECONDS", default=60)
# Sources correct recent days for a while (GA4 up to 72 hours): each daily sync re-reads these.
SYNC_LOOKBACK_DAYS = env.int("SYNC_LOOKBACK_DAYS", default=3)
# A quota or outage error is retried with exponential backoff and jitter, this often at most.
SYNC_MAX_RETRIES = env.int("SYNC_MAX_RETRIES", default=5)
SYNC_RETRY_FIRST_SECONDS = env.int("SYNC_RETRY_FIRST_SECONDS", default=30)
SYNC_RETRY_MAX_SECONDS = env.int("SYNC_RETRY_MAX_SECONDS", default=600)

# Link-rot monitor: a polite checker of placements' pages (one request per host per delay).
LINKCHECK_TIMEOUT_SECONDS = env.float("LINKCHECK_TIMEOUT_SECONDS", default=10)
LINKCHECK_HOST_DELAY_SECONDS = env.float("LINKCHECK_HOST_DELAY_SECONDS", default=2)
LINKCHECK_MAX_PER_RUN = env.int("LINKCHECK_MAX_PER_RUN", default=200)
# After a timeout or server error a placement waits this long before the scheduled run tries it again.
LINKCHECK_RETRY_AFTER_SECONDS = env.int("LINKCHECK_RETRY_AFTER_SECONDS", default=6 * 3600)
# Tests only: send a host to another origin, keeping the Host header ({"www.youtube.com": "http://127.0.0.1:8123"}).
LINKCHECK_RESOLVE: dict[str, str] = {}

# django-ratelimit counts in the default cache (Redis in production, whose INCR is atomic). It is
# used as a library, not an installed app: its checks predate Django's own Redis cache backend.
RATELIMIT_USE_CACHE = "default"
# Behind a proxy REMOTE_ADDR is the proxy: name the header it sets with the client's address
# (e.g. HTTP_X_REAL_IP), or every employee shares one rate-limit bucket.
RATELIMIT_IP_META_KEY = env.str("RATELIMIT_IP_META_KEY", default="") or None

# Security: all on whenever DEBUG is off (behind a TLS-terminating proxy).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers and container healthchecks probe over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = not DEBUG
# A curator's session lasts a working day from sign-in, not Django's two weeks: the admin shows
# employees' contact data, and a curator removed at the IdP keeps no session past it.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Curator sign-in (issue 13): allauth, so throttling, MFA and SSO are a library's, not ours.
# The admin's own login form is routed through allauth's (config/urls.py).
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/admin/"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
# Curators are made by an internal curator (or the IdP): nobody signs themselves up.
ACCOUNT_ADAPTER = "accounts.adapters.CuratorAccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapters.CuratorSocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Failed sign-ins, counted in the shared cache: per address (ip) and per account typed (key).
LOGIN_FAILED_RATE = env.str("LOGIN_FAILED_RATE", default="20/m/ip,5/15m/key")
ACCOUNT_RATE_LIMITS = {
    "login": env.str("LOGIN_RATE", default="30/m/ip"),
    "login_failed": LOGIN_FAILED_RATE,
    "reset_password": "20/m/ip,5/m/key",
}
# Every curator has a second factor: an authenticator app or a passkey, with recovery codes.
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = PROGRAMME_NAME
# Passkeys need a secure origin; http://127.0.0.1 (the demo, the tests) is allowed only in DEBUG.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
# Behind a proxy, the header holding the client's address (e.g. X-Real-IP), so the per-address
# limit counts clients, not the proxy.
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env.str("ALLAUTH_TRUSTED_CLIENT_IP_HEADER", default="") or None
# Sign-in audit rows keep the client's address only as a keyed hash, to correlate attempts.
SIGNIN_AUDIT_HASH_KEY = env.str("SIGNIN_AUDIT_HASH_KEY", default=SECRET_KEY)
# Optional single sign-on through the organisation's OpenID Connect IdP (Entra ID, Okta, Google
# Workspace, Keycloak). The IdP's groups claim decides the role on every sign-in.
OIDC_SERVER_URL = env.str("OIDC_SERVER_URL", default="")
OIDC_PROVIDER_ID = "idp"
OIDC_GROUPS_CLAIM = env.str("OIDC_GROUPS_CLAIM", default="groups")
OIDC_INTERNAL_CURATOR_GROUPS = env.list("OIDC_INTERNAL_CURATOR_GROUPS", default=[])
OIDC_AGENCY_CURATOR_GROUPS = env.list("OIDC_AGENCY_CURATOR_GROUPS", default=[])
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": OIDC_PROVIDER_ID,
                "name": env.str("OIDC_PROVIDER_NAME", default="your organisation"),
                "client_id": env.str("OIDC_CLIENT_ID", default=""),
                "secret": env.str("OIDC_CLIENT_SECRET", default=""),
                "settings": {"server_url": OIDC_SERVER_URL, "fetch_userinfo": True},
            }
        ]
        if OIDC_SERVER_URL
        else [],
    }
}

# --- Content-Security-Policy (django-csp 4; issue 13): the policy is config/content_security_policy.py ---
from config.content_security_policy import policy as _content_security_policy  # noqa: E402

# The SSO provider (OpenID Connect) receives the sign-in form's redirect: form-action allows it.
CONTENT_SECURITY_POLICY = _content_security_policy(sso_server_url=OIDC_SERVER_URL)

# Logs: what happened, never who. Every line passes config.redaction's filter (tokens out of
# paths, query strings, email addresses and phone numbers dropped); Django's own loggers are
# routed here so none keeps its default handler ("Not Found: /me/<token>/", runserver's request
# lines). The worker and beat keep this configuration too (config/celery.py); gunicorn's own
# lines use the same filters and formatters (config/gunicorn.py).
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
# json: one object per line for a log collector; plain: a readable line on a developer's machine.
# Both carry the request, task, campaign and sync run ids bound where they apply
# (config/logging_context.py).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
if LOG_FORMAT not in ("json", "plain"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"LOG_FORMAT must be json or plain, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact": {"()": "config.redaction.RedactingFilter"},
        "context": {"()": "config.logging_context.ContextFilter"},
    },
    "formatters": {
        "plain": {"()": "config.logging_format.PlainFormatter"},
        "json": {"()": "config.logging_format.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            # In this order: the context filter reads the request that the redacting one drops.
            "filters": ["context", "redact"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # Twilio's client writes eight INFO lines per request (its URL and headers): a send of
        # 100,000 texts would bury everything else. Its warnings and errors still come through.
        "twilio.http_client": {"level": "WARNING"},
        # At DEBUG (with DEBUG on) every SQL query is written with its parameters: names, numbers.
        "django.db.backends": {"level": "INFO"},
    },
}
if EMBEDDED_SCHEDULE:
    # "Task succeeded" three times a minute would bury the texts and emails the demo prints.
    LOGGING["loggers"]["celery.app.trace"] = {"level": "WARNING"}

# --- Team channels (issue 16): campaign posts to Microsoft Teams and Slack channels ---
# Posts leave through a backend chosen like EMAIL_BACKEND: web (Teams Workflows and Slack's Web
# API), console (prints them: the embedded default) or locmem (team_channels.outbox, for tests).
TEAM_POST_BACKEND = env.str(
    "TEAM_POST_BACKEND",
    default="campaigns.team_channels.console.ConsoleBackend"
    if DEBUG
    else "campaigns.team_channels.web.WebBackend",
)
# Channels' secrets (Workflows addresses, bot tokens) are encrypted with a key derived from this;
# it must outlive SECRET_KEY rotations, or every channel's secret has to be entered again.
TEAM_CHANNEL_SECRET_KEY = env.str("TEAM_CHANNEL_SECRET_KEY", default=SECRET_KEY)
# Older keys, still read, while `manage.py rotate_team_channel_secrets` re-encrypts with the new one.
TEAM_CHANNEL_SECRET_KEY_FALLBACKS = env.list("TEAM_CHANNEL_SECRET_KEY_FALLBACKS", default=[])
TEAM_POST_TIMEOUT_SECONDS = env.float("TEAM_POST_TIMEOUT_SECONDS", default=10)
TEAM_POST_MAX_ATTEMPTS = env.int("TEAM_POST_MAX_ATTEMPTS", default=5)
TEAM_POST_RETRY_SECONDS = env.int("TEAM_POST_RETRY_SECONDS", default=60)
# A claim older than this lost its worker (a post is one call of at most the timeout above).
TEAM_POST_CLAIM_SECONDS = env.int("TEAM_POST_CLAIM_SECONDS", default=120)
# Where a Teams Workflows address may lead (Power Automate's hosts); connectors' are refused.
TEAMS_WORKFLOW_HOSTS = env.list(
    "TEAMS_WORKFLOW_HOSTS",
    default=["logic.azure.com", "powerplatform.com", "powerautomate.com", "flow.microsoft.com"],
)
# Another address for the same requests (a proxy, or the loopback fakes in tests); empty: the real ones.
TEAMS_WORKFLOW_BASE_URL = env.str("TEAMS_WORKFLOW_BASE_URL", default="")
SLACK_API_BASE_URL = env.str("SLACK_API_BASE_URL", default="https://slack.com/api/")
# Beat: posts waiting for a retry go out, and claims whose worker vanished are settled.
CELERY_BEAT_SCHEDULE["post-team-channels"] = {"task": "campaigns.tasks.post_due_team_posts", "schedule": 60.0}

# --- Issue 17: queues and health ---
from config import queues as celery_queues  # noqa: E402 - with the settings it feeds

# Every task's queue is decided in config/queues.py; a task without a route runs on housekeeping,
# which the sync workers consume (docker-compose.yml), never on a queue nobody listens to.
CELERY_TASK_QUEUES = celery_queues.CELERY_TASK_QUEUES
CELERY_TASK_ROUTES = celery_queues.CELERY_TASK_ROUTES
CELERY_TASK_DEFAULT_QUEUE = celery_queues.HOUSEKEEPING
# /healthz/ready: beat is stuck when no schedule entry has run for this long. The minute jobs
# run every minute, and django-celery-beat writes their last run at most every 3 minutes.
HEALTH_BEAT_MAX_AGE_SECONDS = env.int("HEALTH_BEAT_MAX_AGE_SECONDS", default=600)
# Only where a beat process runs the schedule: the embedded default runs it in the web process.
HEALTH_CHECK_BEAT = env.bool("HEALTH_CHECK_BEAT", default=not CELERY_TASK_ALWAYS_EAGER)
# Sending is stuck when a text or email has been due this long and nothing at all went out (or
# was claimed) meanwhile. Not by age alone: a long code sends one text a second, so a big
# campaign's last rows wait hours while sending is healthy.
HEALTH_SENDING_STUCK_SECONDS = env.int("HEALTH_SENDING_STUCK_SECONDS", default=600)
# Probes come over plain HTTP from inside the network, like /healthz.
SECURE_REDIRECT_EXEMPT = [*SECURE_REDIRECT_EXEMPT, r"^healthz/(live|ready)$"]

# --- Issue 17: metrics ---
# /metrics for Prometheus (ops.views): answered only with `Authorization: Bearer <METRICS_TOKEN>`.
# Unset, the address is a 404: metrics are never public by default.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Optionally also only from these networks ("10.0.0.0/8,127.0.0.1/32"); empty: any, with the token.
# Parsed here, so a mistyped network stops the app at start with the reason, not every scrape.
METRICS_ALLOWED_NETWORKS = [
    str(ipaddress.ip_network(network.strip(), strict=False))
    for network in env.list("METRICS_ALLOWED_NETWORKS", default=[])
]
# The Celery queues whose waiting tasks are counted (LLEN on the broker's lists): all of ours.
METRICS_CELERY_QUEUES = list(celery_queues.ALL)
# Sync runs are reported over this many hours back (plus those queued or running now).
METRICS_SYNC_WINDOW_HOURS = env.int("METRICS_SYNC_WINDOW_HOURS", default=24)
# Prometheus usually scrapes the web container over the private network, without the proxy's
# X-Forwarded-Proto: a redirect to https would fail the scrape, and protects nothing (the token
# was already sent with the first request). Use TLS or a private network between them.
SECURE_REDIRECT_EXEMPT = [*SECURE_REDIRECT_EXEMPT, r"^metrics$"]

# --- Issue 17: logs and error reporting ---
# Logs: LOG_FORMAT and LOG_LEVEL above, beside LOGGING. Error reports go to Sentry (or a service
# speaking its protocol: GlitchTip, Bugsink) only when SENTRY_DSN is set, scrubbed of personal
# data first (config/sentry.py); web, worker and beat each report their own errors.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
# Sentry's "environment" (production, staging) separates reports from several deployments.
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="production")
# The share of requests and tasks traced for performance; off unless asked for (it costs quota).
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
from config import sentry as _sentry  # noqa: E402

_sentry.init(dsn=SENTRY_DSN, environment=SENTRY_ENVIRONMENT, traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE)

# --- Issue 17: retention ---
# The housekeeping task (campaigns.tasks.apply_retention, daily) prunes what grows without end;
# `manage.py apply_retention --dry-run` shows what it would do. 0 keeps rows for ever. Each is
# refused at startup (a system check) when it would cut into what the app still reads, and the
# settled rows of a send still under way, and rows still waiting or being sent, are never touched.
# Deliveries are deleted this many days after they were due and sent: 13 months, so this month's
# sends can be set beside the same month's last year.
DELIVERY_RETENTION_DAYS = env.int("DELIVERY_RETENTION_DAYS", default=395)
# Earlier, a delivery keeps its outcome for the figures but loses what leads to the person: the
# link to the subscriber, the provider's message id, and any number or address in the error text.
DELIVERY_CONTACT_RETENTION_DAYS = env.int("DELIVERY_CONTACT_RETENTION_DAYS", default=90)
# Daily figures: three years, a year past the review's longest chart range (two years).
DAILY_METRIC_RETENTION_DAYS = env.int("DAILY_METRIC_RETENTION_DAYS", default=1096)
# Rows deleted or cleared per statement: each batch is its own short transaction.
RETENTION_BATCH_SIZE = env.int("RETENTION_BATCH_SIZE", default=5000)
CELERY_BEAT_SCHEDULE["apply-retention"] = {
    "task": "campaigns.tasks.apply_retention",
    "schedule": crontab(hour=2, minute=50),
}

# --- Issue 17: GA4 ingestion ---
# How the GA4 client talks to Google: "grpc" (the library's default, binary answers parsed in
# milliseconds) or "rest" (JSON over HTTPS, for sites whose proxy blocks gRPC; seconds per
# 100,000 rows). GA4_API_ENDPOINT on loopback (the tests' fake) goes without TLS.
GA4_TRANSPORT = env.str("GA4_TRANSPORT", default="grpc")
# Warn (a log line, the sync log's quota column) when a property has fewer daily tokens left than
# this; a backfill stops before it would take the property below it, leaving them to the daily syncs.
# A standard property has 200,000 tokens a day.
GA4_QUOTA_WARN_TOKENS = env.int("GA4_QUOTA_WARN_TOKENS", default=20_000)

# --- Issue 18: owned-channel candidates ---
# Daily, our own YouTube channel's uploads and our GA4 site's pages that the catalogue lacks
# become inbox candidates (analytics.discovery). They look back this many days: uploads published,
# and pages viewed, in that window. Longer brings in more of the back catalogue on the first run.
OWNED_CANDIDATES_DAYS = env.int("OWNED_CANDIDATES_DAYS", default=28)
# After the morning's syncs (04:30) have read the same channels, before curators start the day.
CELERY_BEAT_SCHEDULE["discover-owned-candidates"] = {
    "task": "analytics.tasks.discover_owned_candidates",
    "schedule": crontab(hour=5, minute=10),
}

# --- Issue 18: the weekly review shared read-only ---
# Wrong passwords on a shared review link (django-ratelimit, counted in the shared cache): per
# browser's address and link, and per link from every address, so guessing from many addresses
# stops too. A stakeholder who got in once keeps the link open in that browser's session.
REVIEW_SHARE_PASSWORD_RATE = env.str("REVIEW_SHARE_PASSWORD_RATE", default="5/15m")
REVIEW_SHARE_PASSWORD_CEILING = env.str("REVIEW_SHARE_PASSWORD_CEILING", default="50/h")
# The digest is queued after each weekly-review preparation; a daily look as well sends a week that
# waited for a late channel even when no sync prepares the week again (sent once: it is recorded).
CELERY_BEAT_SCHEDULE["send-review-digests"] = {
    "task": "analytics.tasks.send_review_digests",
    "schedule": crontab(hour=9, minute=15),
}

# --- Issue 18: inbox polling ---
# Curators' feeds and YouTube channels/playlists are polled by beat (curation.tasks
# .poll_candidate_sources) for candidate content: a source is due again this many minutes after
# its last poll (half of it when the last poll was by hand, so "Poll now" never doubles a round).
INBOX_POLL_MINUTES = env.int("INBOX_POLL_MINUTES", default=60)
# A feed bigger than this is not read (a podcast's full archive, a wrong address serving a file):
# the download stops here, so a 50 MB answer never sits in a worker's memory.
INBOX_MAX_FEED_BYTES = env.int("INBOX_MAX_FEED_BYTES", default=5 * 1024 * 1024)
# Each fetch, redirects included, is given up after this many seconds (connect, each read, and
# the whole body), so a slow site holds a sync worker no longer.
INBOX_FETCH_SECONDS = env.float("INBOX_FETCH_SECONDS", default=20)
# One request per site per this many seconds, across every worker (a Redis key): many YouTube
# sources share www.youtube.com, and a publisher sees one polite reader, not a burst.
INBOX_HOST_DELAY_SECONDS = env.float("INBOX_HOST_DELAY_SECONDS", default=2)
# YouTube's public feed of a channel's or playlist's latest videos (no API key, no quota);
# tests point it at a loopback server.
YOUTUBE_FEEDS_BASE_URL = env.str("YOUTUBE_FEEDS_BASE_URL", default="https://www.youtube.com/feeds/videos.xml")
# Plain-http feeds on this machine (127.0.0.1, ::1, localhost): for tests and a developer's own
# feed server. Off in production, so neither a feed address nor a redirect can reach a service on
# the server itself; every other feed is the public https rule of placements.
INBOX_LOOPBACK_FEEDS = env.bool("INBOX_LOOPBACK_FEEDS", default=False)
CELERY_BEAT_SCHEDULE["poll-candidate-sources"] = {
    "task": "curation.tasks.poll_candidate_sources",
    "schedule": INBOX_POLL_MINUTES * 60.0,
}
