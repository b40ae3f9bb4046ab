"""Prints WhatsApp messages instead of sending them: the embedded default.

It holds one approved template (and its French translation), so the demo and a fresh install can
compose and send a campaign with nothing connected.
"""

from __future__ import annotations

import json
import sys
import uuid
from typing import TextIO

from campaigns.models import TemplateApproval, TemplateCategory
from campaigns.sms.base import SentSms
from campaigns.whatsapp.base import BaseWhatsAppBackend, TemplateInfo, WhatsAppMessage

DEMO_TEMPLATES = (
    TemplateInfo(
        content_sid="HX" + "d" * 32,
        name="learning_nudge",
        language="en",
        body="Hi {{1}}, something worth a few minutes of your day: {{2}}\nReply STOP to stop.",
        sample_variables={"1": "Sam", "2": "https://example.com/l/abc"},
        category=TemplateCategory.MARKETING,
        approval=TemplateApproval.APPROVED,
    ),
)


# The same template in French, as a curator makes a translation in Twilio: the same name, so a
# French reader gets it (campaigns.whatsapp.templates.template_for).
FRENCH_DEMO_TEMPLATE = TemplateInfo(
    content_sid="HX" + "f" * 32,
    name="learning_nudge",
    language="fr",
    body="Bonjour {{1}}, quelques minutes bien employées : {{2}}\nRépondez STOP pour arrêter.",
    sample_variables={"1": "Sam", "2": "https://example.com/l/abc"},
    category=TemplateCategory.MARKETING,
    approval=TemplateApproval.APPROVED,
)


class ConsoleBackend(BaseWhatsAppBackend):
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def send(self, message: WhatsAppMessage) -> SentSms:
        what = (
            f"template {message.content_sid} {json.dumps(message.content_variables)}"
            if message.is_template
            else message.body
        )
        self.stream.write(f"WhatsApp to {message.to}\n{what}\n{'-' * 40}\n")
        self.stream.flush()
        return SentSms(provider_id=f"console-{uuid.uuid4().hex}", status="sent")

    def templates(self) -> list[TemplateInfo]:
        return [*DEMO_TEMPLATES, FRENCH_DEMO_TEMPLATE]
