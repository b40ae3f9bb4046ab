"""gunicorn's settings for the web process (the Dockerfile and docker-compose.yml run it).

The access log names the method, the path with its token replaced and no query string, the
status and the time taken: never the client's address, its user agent or the referrer (the
README promises that no IP address or user agent is stored, and a log is stored).
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from config.redaction import RedactingFilter, redact

bind = "0.0.0.0:8000"
workers = 3
# A 10,000-row employee import takes about 20 s to preview in the admin.
timeout = 120
accesslog = "-"
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(M)sms'


class PrivateLogger(Logger):
    """Offers the access log only the atoms above: a format naming %(h)s or %(a)s prints '-'."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        # gunicorn's own error lines ("Error handling request /me/...") quote the path too.
        for log in (self.error_log, self.access_log):
            log.addFilter(RedactingFilter())

    def atoms(self, resp, req, environ, request_time) -> dict[str, object]:
        every = super().atoms(resp, req, environ, request_time)
        return {
            "t": every["t"],
            "m": every["m"],
            "U": redact(every["U"] or ""),
            "s": every["s"],
            "M": every["M"],
        }


logger_class = PrivateLogger
