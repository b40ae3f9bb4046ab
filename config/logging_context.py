"""Which request, task, campaign or sync a log line belongs to, without passing ids around.

The ids are bound where work enters (the request id middleware, Celery's task signals, a few
service entry points) in a context variable, and ContextFilter copies them onto every record a
handler writes. A context variable follows the code that runs under it (a thread, a task, an
eagerly run task inside a request) and nothing else, so two requests never share ids.

Only ids are bound: never an address, a name or a token, since every line carries them.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
from collections.abc import Callable, Iterator
from contextvars import ContextVar, Token
from typing import ParamSpec, TypeVar

# The names a line may carry, in the order the formatters write them.
FIELDS = ("request_id", "task_id", "task_name", "campaign_id", "sync_run_id")

_bound: ContextVar[dict[str, object] | None] = ContextVar("log_context", default=None)

P = ParamSpec("P")
R = TypeVar("R")


def current() -> dict[str, object]:
    """The ids bound here, as {name: value}."""
    return _bound.get() or {}


def bind(**ids: object) -> Token[dict[str, object] | None]:
    """Adds ids (None removes one) until reset(token), or until the task or request ends."""
    unknown = set(ids) - set(FIELDS)
    if unknown:
        raise ValueError(f"Not a log context id: {', '.join(sorted(unknown))}")
    merged = {**current(), **ids}
    return _bound.set({name: value for name, value in merged.items() if value is not None})


def reset(token: Token[dict[str, object] | None]) -> None:
    """Back to the ids bound before bind() returned this token."""
    _bound.reset(token)


@contextlib.contextmanager
def bound(**ids: object) -> Iterator[None]:
    """The ids, for the lines written inside the with-block."""
    token = bind(**ids)
    try:
        yield
    finally:
        reset(token)


def binds(**ids_from: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A service entry point's decorator: binds each id to the named argument of every call.

    `@binds(campaign_id="campaign_id")` on `send_due(*, campaign_id)` tags every line the send
    writes (the provider client's too) with its campaign; an argument left None binds nothing.
    """

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(function)
        missing = set(ids_from.values()) - set(signature.parameters)
        if missing:
            raise TypeError(f"{function.__qualname__} has no argument {', '.join(sorted(missing))}")

        @functools.wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            arguments = signature.bind_partial(*args, **kwargs).arguments
            with bound(**{name: arguments.get(argument) for name, argument in ids_from.items()}):
                return function(*args, **kwargs)

        return wrapper

    return decorate


class ContextFilter(logging.Filter):
    """Copies the bound ids onto each record as attributes (record.request_id, ...), for the
    formatters (config/logging_format.py) and for any handler that reads records.

    Django logs a 4xx or 5xx response ("Not Found: ...") after every middleware has returned,
    when the request's id is no longer bound: that record's `request` still says it, so this
    filter must run before RedactingFilter drops the request from the record.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = getattr(getattr(record, "request", None), "request_id", None)
        if request_id:
            record.request_id = request_id
        for name, value in current().items():
            setattr(record, name, value)
        return True


def ids_of(record: logging.LogRecord) -> dict[str, object]:
    """The context ids a record carries, in FIELDS order."""
    return {name: getattr(record, name) for name in FIELDS if getattr(record, name, None) is not None}
