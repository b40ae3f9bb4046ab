"""gunicorn's settings for the web process (the Dockerfile and docker-compose.yml run it).

The access log names the method, the path with its token replaced and no query string, the
status, the time taken and the request's id: never the client's address, its user agent or the
referrer (the README promises that no IP address or user agent is stored, and a log is stored).
Its lines and gunicorn's own are written like Django's (LOG_FORMAT: JSON or plain, the same
filters), so one collector reads every line of every process.
"""

from __future__ import annotations

import os

from gunicorn.glogging import Logger

from config import logging_context
from config.logging_context import ContextFilter
from config.logging_format import JsonFormatter, PlainFormatter
from config.redaction import RedactingFilter, redact

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

bind = "0.0.0.0:8000"
workers = 3
# A 10,000-row employee import takes about 20 s to preview in the admin.
timeout = 120
accesslog = "-"
# The time comes first on every line already (the formatter's).
access_log_format = '"%(m)s %(U)s" %(s)s %(M)sms'


class PrivateLogger(Logger):
    """Offers the access log only the atoms above: a format naming %(h)s or %(a)s prints '-'."""

    def setup(self, cfg) -> None:
        from django.conf import settings

        super().setup(cfg)
        formatter = JsonFormatter() if settings.LOG_FORMAT == "json" else PlainFormatter()
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(formatter)
            log.addFilter(ContextFilter())
            # gunicorn's own error lines ("Error handling request /me/...") quote the path too.
            log.addFilter(RedactingFilter())

    def access(self, resp, req, environ, request_time) -> None:
        # The request has been answered and its ids unbound: its id is read back from the response.
        request_id = next((value for name, value in resp.headers if name.lower() == "x-request-id"), None)
        with logging_context.bound(request_id=request_id):
            super().access(resp, req, environ, request_time)

    def atoms(self, resp, req, environ, request_time) -> dict[str, object]:
        every = super().atoms(resp, req, environ, request_time)
        return {
            "m": every["m"],
            "U": redact(every["U"] or ""),
            "s": every["s"],
            "M": every["M"],
        }


logger_class = PrivateLogger
