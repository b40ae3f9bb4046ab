from __future__ import annotations

import os

import kombu
from celery import Celery, signals
from celery.app.amqp import AMQP

from config.redaction import RedactingFilter

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


@signals.after_setup_logger.connect
@signals.after_setup_task_logger.connect
def redact_worker_and_beat_logs(logger, **kwargs) -> None:
    """The worker and beat replace Django's log handlers with Celery's: the same filter goes on
    those, so a task's warning quoting a link reads as it would in the web's log."""
    for handler in logger.handlers:
        handler.addFilter(RedactingFilter())
