"""WhatsApp through Twilio's Messages API and its Content API, with the official client.

The same account, client and error model as texts (campaigns.sms.twilio); what differs is the
address (whatsapp:+E164), the template (ContentSid and ContentVariables, no Body) and the errors
only WhatsApp has, worded here for curators.
"""

from __future__ import annotations

import json
from datetime import datetime

from django.conf import settings
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.rest import Client

from campaigns.delivery_errors import DeliveryError, DeliveryOutcome
from campaigns.models import TemplateApproval, TemplateCategory
from campaigns.sms.base import SentSms
from campaigns.sms.twilio import FAILURES, TwilioBackend, _classify_answer, classify
from campaigns.whatsapp.base import PREFIX, BaseWhatsAppBackend, TemplateInfo, WhatsAppMessage

OUTSIDE_WINDOW = 63016
WHATSAPP_ERRORS = {
    OUTSIDE_WINDOW: (
        "WhatsApp refused free text: the person has not written to us in the last 24 hours, so only "
        "an approved template may be sent (63016).",
        DeliveryOutcome.FAILED,
    ),
    63003: ("The number is not on WhatsApp (63003).", DeliveryOutcome.INVALID_NUMBER),
    63024: ("The number cannot receive WhatsApp messages (63024).", DeliveryOutcome.INVALID_NUMBER),
    63018: ("WhatsApp's rate limit for our sender was reached (63018).", DeliveryOutcome.RETRY),
    63027: ("WhatsApp declined the template message; check the template (63027).", DeliveryOutcome.FAILED),
    21654: ("The template variables were sent without a template (21654).", DeliveryOutcome.FAILED),
    21656: ("The template variables are not valid for this template (21656).", DeliveryOutcome.FAILED),
}
# Listing raises a bare TwilioException (the page's answer inside) where a create raises a REST one.
CONTENT_FAILURES = (*FAILURES, TwilioException)
APPROVALS = {choice.value for choice in TemplateApproval}
CATEGORIES = {choice.value for choice in TemplateCategory}


def whatsapp_error(error: Exception) -> DeliveryError:
    """What a failed call means for a WhatsApp message: WhatsApp's own codes, then texts' rules."""
    if isinstance(error, TwilioRestException | TwilioServiceException) and error.code in WHATSAPP_ERRORS:
        message, outcome = WHATSAPP_ERRORS[error.code]
        return DeliveryError(message, outcome=outcome, code=error.code)
    if type(error) is TwilioException and len(error.args) == 2 and hasattr(error.args[1], "status_code"):
        return _page_error(error.args[1])
    return classify(error)


def _page_error(response) -> DeliveryError:
    """A list call's refusal: the client raises a bare TwilioException holding Twilio's answer."""
    try:
        answer = json.loads(response.text)
    except ValueError:
        answer = {}
    answer = answer if isinstance(answer, dict) else {}
    reason = str(answer.get("message") or "no reason given")
    return _classify_answer(status=response.status_code, code=answer.get("code"), reason=reason)


def template_info(
    sid: str, name: str, language: str, types: dict, approval: dict, variables: dict | None = None
) -> TemplateInfo:
    """A template from the Content API's own shapes: its types (twilio/text and others, each with
    a body) and its WhatsApp approval request (status, category, rejection reason)."""
    body = ""
    for kind in ("twilio/text", *sorted(types or {})):
        content = (types or {}).get(kind) or {}
        if isinstance(content, dict) and content.get("body"):
            body = str(content["body"])
            break
    status = str((approval or {}).get("status") or "").lower()
    category = str((approval or {}).get("category") or "").lower()
    return TemplateInfo(
        content_sid=sid,
        name=name or (approval or {}).get("name") or sid,
        language=language or "",
        body=body,
        sample_variables={str(key): str(value) for key, value in (variables or {}).items()},
        category=category if category in CATEGORIES else TemplateCategory.UNKNOWN,
        approval=status if status in APPROVALS else TemplateApproval.UNSUBMITTED,
        rejection_reason=str((approval or {}).get("rejection_reason") or "")[:300],
    )


class TwilioWhatsAppBackend(BaseWhatsAppBackend):
    def __init__(self, client: Client | None = None) -> None:
        self.client = client or TwilioBackend._build_client()

    def send(self, message: WhatsAppMessage) -> SentSms:
        params: dict[str, object] = {"to": PREFIX + message.to}
        if settings.TWILIO_WHATSAPP_MESSAGING_SERVICE_SID:
            params["messaging_service_sid"] = settings.TWILIO_WHATSAPP_MESSAGING_SERVICE_SID
        else:
            params["from_"] = PREFIX + settings.TWILIO_WHATSAPP_FROM
        if message.is_template:
            # No Body with a template: Twilio would send it as free text, refused outside the window.
            params["content_sid"] = message.content_sid
            params["content_variables"] = json.dumps(message.content_variables)
        else:
            params["body"] = message.body
        if message.validity_seconds:
            params["validity_period"] = message.validity_seconds
        if message.status_callback:
            params["status_callback"] = message.status_callback
        try:
            created = self.client.messages.create(**params)
        except FAILURES as error:
            raise whatsapp_error(error) from error
        return SentSms(provider_id=created.sid, status=created.status)

    def sent_to(self, *, to: str, since: datetime) -> list[SentSms]:
        """Twilio's own log of WhatsApp messages to a number: how a lost outcome is settled."""
        try:
            messages = self.client.messages.list(to=PREFIX + to, date_sent_after=since)
        except FAILURES as error:
            raise whatsapp_error(error) from error
        return [SentSms(provider_id=m.sid, status=m.status, body=m.body or "") for m in messages]

    def templates(self) -> list[TemplateInfo]:
        try:
            listed = self.client.content.v1.content_and_approvals.list()
        except CONTENT_FAILURES as error:
            raise whatsapp_error(error) from error
        return [
            template_info(
                item.sid,
                item.friendly_name,
                item.language,
                item.types,
                item.approval_requests,
                item.variables,
            )
            for item in listed
        ]

    def template(self, content_sid: str) -> TemplateInfo:
        try:
            content = self.client.content.v1.contents(content_sid)
            fetched = content.fetch()
            approval = content.approval_fetch().fetch()
        except CONTENT_FAILURES as error:
            raise whatsapp_error(error) from error
        return template_info(
            fetched.sid,
            fetched.friendly_name,
            fetched.language,
            fetched.types,
            approval.whatsapp,
            fetched.variables,
        )
