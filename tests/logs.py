"""What production's log handler writes, captured: every logger at DEBUG through the console
handler (the one carrying the redacting filter), formatted as JSON lines into a buffer."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from config.logging_format import JsonFormatter
from config.redaction import RedactingFilter


@contextmanager
def production_log_lines(*, quiet: Sequence[str] = ()) -> Iterator[Callable[[], list[dict[str, object]]]]:
    """Yields a function returning the lines written so far, each parsed. Loggers named in
    `quiet` (a stand-in's own, not one we write) stay at CRITICAL."""
    (console,) = [
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, RedactingFilter) for f in handler.filters)
    ]
    loggers = [logging.getLogger(), *map(logging.getLogger, list(logging.root.manager.loggerDict))]
    levels = {logger: logger.level for logger in loggers}
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    for name in quiet:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    written = io.StringIO()
    stream, formatter = console.setStream(written), console.formatter
    console.setFormatter(JsonFormatter())
    try:
        yield lambda: [json.loads(line) for line in written.getvalue().splitlines()]
    finally:
        console.setStream(stream)
        console.setFormatter(formatter)
        for logger, level in levels.items():
            logger.setLevel(level)
