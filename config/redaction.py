"""Log lines say what happened, never who: no client address, no user agent, no link token.

Every personal page is opened by a token in its path (/me/<token>/, /u/<token>/, /l/<token>,
/join/email/<token>/, /join/invited/<token>/): whoever reads a log holding one could open the
person's page, and a token ties a click to a message. Query strings are dropped, since a caller
can put anything in them. Used by Django's logging (RedactingFilter) and by gunicorn's access
log (config/gunicorn.py), so the web, the worker and beat write the same kind of line.
"""

from __future__ import annotations

import logging
import re

REDACTED = "<redacted>"

# A token is whatever follows one of these prefixes up to the next slash, space or quote.
_TOKEN_IN_PATH = re.compile(r"(/(?:me|u|l|join/email|join/invited)/)[^/\s?#\"']+")
_QUERY_STRING = re.compile(r"\?[^\s\"']*")


def redact(text: str) -> str:
    """The text with every path token replaced and every query string dropped."""
    return _TOKEN_IN_PATH.sub(rf"\1{REDACTED}", _QUERY_STRING.sub("", text))


_TRACEBACKS = logging.Formatter()


def _redacted(value: object) -> object:
    return redact(value) if isinstance(value, str) else value


class RedactingFilter(logging.Filter):
    """Rewrites a record's message and arguments before any handler formats it.

    django.request logs "Not Found: %s" with the path as an argument, django.server the whole
    request line; both are rewritten here. A record's `request` attribute (with the address
    and user agent) is dropped too, so no formatter or handler can reach it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _redacted(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _redacted(arg) for key, arg in record.args.items()}
        if hasattr(record, "request"):
            record.request = None
        if record.exc_info and not record.exc_text:
            # A 500's traceback can quote the path or a token in an exception's message.
            record.exc_text = redact(_TRACEBACKS.formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
