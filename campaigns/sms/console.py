"""Prints texts instead of sending them: the embedded default."""

from __future__ import annotations

import sys
import uuid
from typing import TextIO

from campaigns.sms.base import BaseSmsBackend, SentSms, SmsMessage


class ConsoleBackend(BaseSmsBackend):
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def send(self, message: SmsMessage) -> SentSms:
        self.stream.write(f"SMS to {message.to}\n{message.body}\n{'-' * 40}\n")
        self.stream.flush()
        return SentSms(provider_id=f"console-{uuid.uuid4().hex}", status="sent")
