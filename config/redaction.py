"""Log lines say what happened, never who: no client address, no user agent, no link token.

Every personal page is opened by a token in its path (/me/<token>/, /u/<token>/, /l/<token>,
/join/email/<token>/, /join/invited/<token>/, a shared review's
/review/shared/<token>/): whoever reads a log holding one could open the
person's page, and a token ties a click to a message. Query strings are dropped, since a caller
can put anything in them. Anything shaped like an email address or an international phone
number is replaced too: a provider's error message or a database error may quote one. Used by
Django's logging (RedactingFilter), by gunicorn's access log (config/gunicorn.py), so the web,
the worker and beat write the same kind of line, and by the error reports sent to Sentry
(config/sentry.py).
"""

from __future__ import annotations

import logging
import re

REDACTED = "<redacted>"

# A token is whatever follows one of these prefixes up to the next slash, space or quote. The
# prefix in any case and with doubled slashes too: a link mangled on its way (a mail client, a
# retyped address) answers 404, and Django logs that path, its token intact, unless it is found here.
_TOKEN_IN_PATH = re.compile(
    r"(/(?:me|u|l|join/+email|join/+invited|review/+shared)/+)[^/\s?#\"']+", re.IGNORECASE
)
_QUERY_STRING = re.compile(r"\?[^\s\"']*")
# Also percent-encoded, as in a form body or a provider's list query (To=%2B447700900123).
_EMAIL_ADDRESS = re.compile(r"[\w.+-]+(?:@|%40)[\w-]+(?:\.[\w-]+)+")
# International numbers (E.164, maybe spaced): what we store, send to and receive from providers.
_PHONE_NUMBER = re.compile(r"(?:\+|%2B)\d[\d ().-]{5,}\d")


def redact(text: str) -> str:
    """The text with every path token, email address and phone number replaced and every query
    string dropped."""
    text = _TOKEN_IN_PATH.sub(rf"\1{REDACTED}", _QUERY_STRING.sub("", text))
    return _PHONE_NUMBER.sub(REDACTED, _EMAIL_ADDRESS.sub(REDACTED, text))


def redact_all(value: object) -> object:
    """Every string inside dicts, lists and tuples redacted (an error report is nested data)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_all(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_all(item) for item in value)
    return value


_TRACEBACKS = logging.Formatter()


class RedactingFilter(logging.Filter):
    """Rewrites a record's message, arguments included, before any handler formats it.

    django.request logs "Not Found: %s" with the path as an argument, django.server the whole
    request line, a provider client an error whose text quotes a number: the message is formatted
    here and redacted whole, whatever the arguments' types. A record's `request` attribute (with
    the address and user agent) is dropped too, so no formatter or handler can reach it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            # Arguments that do not fit the message: logging would print both raw to stderr.
            message = f"{record.msg} (arguments that do not fit the message left out)"
        record.msg, record.args = redact(str(message)), None
        if hasattr(record, "request"):
            record.request = None
        if record.exc_info or record.exc_text:
            # A 500's traceback can quote the path or a token in an exception's message.
            record.exc_text = redact(record.exc_text or _TRACEBACKS.formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
