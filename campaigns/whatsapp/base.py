"""The WhatsApp backend interface. Failures are campaigns.delivery_errors.DeliveryError, as texts'."""

from __future__ import annotations

from dataclasses import dataclass, field

from campaigns.models import TemplateApproval, TemplateCategory
from campaigns.sms.base import SentSms

PREFIX = "whatsapp:"  # how Twilio writes a WhatsApp address: whatsapp:+447400123456


@dataclass(frozen=True)
class WhatsAppMessage:
    to: str  # E.164, without the whatsapp: prefix
    body: str = ""  # free text: only inside the person's 24-hour window
    content_sid: str = ""  # an approved template: what may be sent outside it
    content_variables: dict[str, str] = field(default_factory=dict)
    status_callback: str = ""
    validity_seconds: int = 0

    @property
    def is_template(self) -> bool:
        return bool(self.content_sid)


@dataclass(frozen=True)
class TemplateInfo:
    """A content template as the provider describes it."""

    content_sid: str
    name: str
    language: str
    body: str
    sample_variables: dict[str, str]
    category: str = TemplateCategory.UNKNOWN
    approval: str = TemplateApproval.UNSUBMITTED
    rejection_reason: str = ""


class BaseWhatsAppBackend:
    def send(self, message: WhatsAppMessage) -> SentSms:
        """Hand one message to the provider, or raise DeliveryError."""
        raise NotImplementedError

    def templates(self) -> list[TemplateInfo]:
        """Every content template on the account, with WhatsApp's approval of each."""
        raise NotImplementedError

    def template(self, content_sid: str) -> TemplateInfo:
        """One template, asked afresh."""
        found = {info.content_sid: info for info in self.templates()}
        return found[content_sid]
