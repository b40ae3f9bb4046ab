"""Webhooks Twilio calls: thin, signature-checked, answering TwiML."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from twilio.twiml.messaging_response import MessagingResponse

from campaigns.inbound import handle_inbound_sms
from campaigns.receipts import record_receipt
from campaigns.signatures import twilio_webhook
from campaigns.whatsapp.inbound import handle_inbound_whatsapp, is_whatsapp


@twilio_webhook
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    sender = request.POST.get("From", "")
    handle = handle_inbound_whatsapp if is_whatsapp(sender) else handle_inbound_sms
    reply = handle(
        sender=sender,
        body=request.POST.get("Body", ""),
        message_sid=request.POST.get("MessageSid", ""),
    )
    twiml = MessagingResponse()
    if reply:
        twiml.message(reply)
    return HttpResponse(str(twiml), content_type="text/xml")


@twilio_webhook
def twilio_status(request: HttpRequest) -> HttpResponse:
    record_receipt(
        message_sid=request.POST.get("MessageSid", ""),
        status=request.POST.get("MessageStatus", ""),
        error_code=request.POST.get("ErrorCode", ""),
        idempotency_token=request.headers.get("I-Twilio-Idempotency-Token", ""),
    )
    return HttpResponse(status=204)
