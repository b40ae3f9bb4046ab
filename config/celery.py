from __future__ import annotations

import os
from contextvars import Token

import kombu
from celery import Celery, signals
from celery.app.amqp import AMQP

from config import logging_context

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


class BrokerConnection(kombu.Connection):
    """A broker connection that forgets its default channel once it has closed it.

    When Redis goes away, the worker (Celery 5.7) first collects the connection, which closes its
    channels and clears the transport's link back to the connection, then closes it again. Kombu
    (5.7) keeps pointing at the default channel, so the second close closes that channel again
    and, to put back the task it is running, opens a fresh Redis pool from the cleared link: an
    AttributeError ('NoneType' object has no attribute 'hostname') that Celery does not expect,
    and the worker exits. Forgotten, the channel is closed once; the task it was running is the
    reconciler's to re-queue, as with every task Redis loses.
    """

    def _do_close_self(self) -> None:
        try:
            super()._do_close_self()
        finally:
            self._default_channel = None


class BrokerAMQP(AMQP):
    Connection = BrokerConnection


app = Celery("config", amqp=BrokerAMQP)
# Every CELERY_* setting in config/settings.py configures the app.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def keep_djangos_logging(**kwargs) -> None:
    """The worker and beat write their lines through Django's LOGGING (config/settings.py): the
    same redacting filter, context ids and LOG_FORMAT as the web. Connected, this receiver stops
    Celery replacing those handlers with its own; LOG_LEVEL, not --loglevel, sets the level."""
    from django.conf import settings
    from django.utils.log import configure_logging

    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


@signals.before_task_publish.connect
def pass_the_request_id_on(headers: dict, **kwargs) -> None:
    """A task queued while a request is handled carries the request's id in its message."""
    request_id = logging_context.current().get("request_id")
    if request_id and "request_id" not in headers:
        headers["request_id"] = request_id


# Per running task, what to restore when it ends: a task run eagerly inside another (or inside
# a request) gives the ids back to what it ran in.
_bound_for_task: dict[str, Token] = {}


@signals.task_prerun.connect
def bind_the_task(task_id: str, task, **kwargs) -> None:
    """Every line a task writes carries its id and name, and the id of the request that queued it."""
    ids = {"task_id": task_id, "task_name": task.name}
    request_id = getattr(task.request, "request_id", None)
    if request_id:
        ids["request_id"] = request_id
    _bound_for_task[task_id] = logging_context.bind(**ids)


@signals.task_postrun.connect
def unbind_the_task(task_id: str, **kwargs) -> None:
    token = _bound_for_task.pop(task_id, None)
    if token is not None:
        logging_context.reset(token)
