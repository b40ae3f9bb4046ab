"""A real SMTP server on loopback (aiosmtpd), and settings that send Django's email through it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from tests.helpers import free_port


@dataclass
class Received:
    envelope_from: str
    envelope_to: list[str]
    message: EmailMessage


@dataclass
class RecordingHandler:
    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@contextmanager
def serving(handler, settings) -> Iterator[object]:
    """`handler` answers SMTP on 127.0.0.1 while the block runs, and Django sends email to it."""
    # aiosmtpd's Controller(port=0) fails its readiness check, so pick a port first.
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    # pytest-django swaps in locmem mail at setup; the test's own settings put SMTP back.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def smtp_server(settings):
    """Email sent in the test goes over SMTP to a server on 127.0.0.1; read `.received`."""
    with serving(RecordingHandler(), settings) as handler:
        yield handler
