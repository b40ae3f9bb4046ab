"""How a log line is written: one JSON object per line in production, a readable line on a
developer's machine (LOG_FORMAT = json | plain). Both write the same things: the time, level,
logger, the message (redacted by config.redaction.RedactingFilter before it gets here), the
context ids (config.logging_context) and a traceback, and nothing else a record may carry.

Only those, by name: records carry more than their message (Django's `request` with the client's
address, Celery's task arguments in `data`, whatever a library passes as `extra`), and a
formatter that wrote every attribute would write them too.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from pythonjsonlogger.json import JsonFormatter as LibraryJsonFormatter

from config.logging_context import ids_of
from config.redaction import redact

FORMATS = ("json", "plain")
_TRACEBACKS = logging.Formatter()


def _traceback_of(record: logging.LogRecord) -> str:
    # RedactingFilter leaves the redacted traceback in exc_text; a record that missed it is
    # redacted here, never written as exc_info would print it.
    if record.exc_text:
        return record.exc_text
    return redact(_TRACEBACKS.formatException(record.exc_info)) if record.exc_info else ""


class PlainFormatter(logging.Formatter):
    """`2026-12-07 09:00:00,123 INFO campaigns.sending Claim lost 2 row(s) [campaign_id=7 task_id=…]`"""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        record.message = record.getMessage()
        record.asctime = self.formatTime(record, self.datefmt)
        line = self.formatMessage(record)
        ids = ids_of(record)
        if ids:
            line += " [" + " ".join(f"{name}={value}" for name, value in ids.items()) + "]"
        traceback = _traceback_of(record)
        if traceback:
            line += "\n" + traceback
        if record.stack_info:
            line += "\n" + record.stack_info
        return line


class JsonFormatter(LibraryJsonFormatter):
    """`{"time": "2026-12-07T09:00:00.123+00:00", "level": "INFO", "logger": "...", "message": "...",
    "campaign_id": 7, "task_id": "…"}`: a traceback is one string ("exc_info") on the same line."""

    def __init__(self) -> None:
        super().__init__()

    def add_fields(self, log_data: dict[str, object], record: logging.LogRecord, message_dict: dict) -> None:
        log_data["time"] = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        log_data["message"] = record.message
        log_data.update(ids_of(record))
        traceback = _traceback_of(record)
        if traceback:
            log_data["exc_info"] = traceback
        if record.stack_info:
            log_data["stack_info"] = record.stack_info
