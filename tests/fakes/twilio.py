"""A loopback fake of Twilio's Messages API, for the real twilio client to talk to over HTTP.

It answers like Twilio (JSON shapes, error bodies, basic auth) and records every request. Usable
without pytest (start()/stop()) so a Celery worker started by a test can reach it too.

WhatsApp too: addresses whatsapp:+E164 on the same Messages endpoint, WhatsApp's window rule (free
text to someone who has not written in 24 hours is refused with 63016; an approved template by
ContentSid is accepted and logged with its variables filled in), and the Content API's templates
with their approval requests (GET /v1/ContentAndApprovals, /v1/Content/<sid>, .../ApprovalRequests).
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import socket
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from tests.fakes.loopback import LoopbackServer

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "fake-auth-token"
MESSAGING_SERVICE_SID = "MG" + "1" * 32
WHATSAPP_SENDER = "+447700900123"  # our WhatsApp Business number (TWILIO_WHATSAPP_FROM)


@dataclass
class Recorded:
    method: str
    path: str
    params: dict[str, str]
    at: float = field(default_factory=time.monotonic)  # when the fake read it, this process's clock


@dataclass
class Scripted:
    """What the fake answers for one recipient instead of accepting the text."""

    status: int = 400
    code: int | None = None
    message: str = "Error"
    delay: float = 0.0
    drop: bool = False
    problem_details: bool = False  # Newer Twilio services answer errors in RFC 9457's shape.


@dataclass
class FakeTemplate:
    """A content template on the fake account, as WhatsApp's approval left it."""

    sid: str
    name: str
    body: str
    category: str = "MARKETING"
    status: str = "approved"
    language: str = "en"
    rejection_reason: str = ""

    def as_content(self) -> dict[str, object]:
        return {
            "sid": self.sid,
            "account_sid": ACCOUNT_SID,
            "friendly_name": self.name,
            "language": self.language,
            "variables": {number: f"sample {number}" for number in re.findall(r"\{\{(\d+)\}\}", self.body)},
            "types": {"twilio/text": {"body": self.body}},
            "url": f"https://content.twilio.com/v1/Content/{self.sid}",
            "date_created": "2026-11-01T09:00:00Z",
            "date_updated": "2026-11-01T09:00:00Z",
            "links": {},
        }

    def approval(self) -> dict[str, object]:
        return {
            "type": "whatsapp",
            "name": self.name,
            "category": self.category,
            "content_type": "twilio/text",
            "status": self.status,
            "rejection_reason": self.rejection_reason,
            "allow_category_change": True,
        }


WHATSAPP = "whatsapp:"


@dataclass
class FakeTwilio(LoopbackServer):
    requests: list[Recorded] = field(default_factory=list)
    messages: list[dict[str, object]] = field(default_factory=list)
    scripted: dict[str, Scripted] = field(default_factory=dict)
    # Every accepted text is answered this late: a provider that is slow but never fails.
    answer_after: float = 0.0
    server: ThreadingHTTPServer | None = None
    templates: dict[str, FakeTemplate] = field(default_factory=dict)
    # WhatsApp numbers (whatsapp:+E164) that wrote to us in the last 24 hours: free text allowed.
    open_windows: set[str] = field(default_factory=set)

    def add_template(self, name: str, body: str, **fields: object) -> FakeTemplate:
        template = FakeTemplate(sid="HX" + uuid.uuid4().hex, name=name, body=body, **fields)
        self.templates[template.sid] = template
        return template

    def texts_to(self, to: str) -> list[Recorded]:
        """Every attempt to text `to` (accepted or not): what the provider was asked to do."""
        return [r for r in self.requests if r.method == "POST" and r.params.get("To") == to]

    def calls_per_number(self) -> Counter[str]:
        """How many times the provider was asked to text each number."""
        return Counter(r.params.get("To", "") for r in self.requests if r.method == "POST")

    def fail_for(
        self,
        to: str,
        *,
        status: int = 400,
        code: int | None = None,
        message: str = "Error",
        problem_details: bool = False,
    ) -> None:
        """Answer texts to `to` with this Twilio error (no code: a bare server error page)."""
        self.scripted[to] = Scripted(
            status=status, code=code, message=message, problem_details=problem_details
        )

    def stall_for(self, to: str, seconds: float) -> None:
        """Accept texts to `to`, but only answer after `seconds`."""
        self.scripted[to] = Scripted(status=201, delay=seconds)

    def drop_for(self, to: str) -> None:
        """Read the request for `to`, then hang up without answering."""
        self.scripted[to] = Scripted(drop=True)

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length).decode() if length else ""
        source = body if method == "POST" else parts.query
        params = {key: values[-1] for key, values in parse_qs(source).items()}
        self.requests.append(Recorded(method, parts.path, params))
        expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        if handler.headers.get("Authorization") != expected:
            return self._reply(handler, 401, _error(20003, "Authentication Error - invalid username", 401))
        if parts.path.startswith("/v1/") and method == "GET":
            return self._content_api(handler, parts.path)
        if parts.path != f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json":
            return self._reply(handler, 404, _error(20404, "The requested resource was not found", 404))
        if method == "GET":
            return self._reply(handler, 200, self._page(params))
        script = self.scripted.get(params.get("To", ""))
        if script and script.drop:
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
            return None
        if script and not script.delay:
            return self._reply(handler, script.status, _error_body(script))
        refused = self._whatsapp_refusal(params)
        if refused:
            return self._reply(handler, 400, refused)
        message = self._message(params)
        self.messages.append(message)  # in Twilio's log from now on, however late the answer
        time.sleep(script.delay if script else self.answer_after)
        return self._reply(handler, 201, message)

    def _whatsapp_refusal(self, params: dict[str, str]) -> dict[str, object] | None:
        """WhatsApp's rules as Twilio applies them: None when the message may go."""
        if "ContentVariables" in params and "ContentSid" not in params:
            return _error(21654, "ContentVariables parameter is only valid with ContentSid", 400)
        if not params.get("To", "").startswith(WHATSAPP):
            return None
        if not params.get("From", params.get("MessagingServiceSid", "")).startswith(("whatsapp:", "MG")):
            return _error(63007, "Twilio could not find a Channel with the specified From address", 400)
        sid = params.get("ContentSid")
        if sid:
            template = self.templates.get(sid)
            if template is None:
                return _error(21655, "The ContentSid is Invalid.", 400)
            if template.status != "approved":
                return _error(63027, "Template message not delivered: the template is not approved", 400)
            return None
        if params["To"] not in self.open_windows:
            return _error(
                63016,
                "Failed to send freeform message because you are outside the allowed window. "
                "If you are using WhatsApp, please use a Message Template.",
                400,
            )
        return None

    def _content_api(self, handler: BaseHTTPRequestHandler, path: str) -> None:
        if path == "/v1/ContentAndApprovals":
            contents = [
                {**template.as_content(), "approval_requests": template.approval()}
                for template in self.templates.values()
            ]
            return self._reply(handler, 200, _content_page("contents", contents, path))
        if path == "/v1/Content":
            contents = [template.as_content() for template in self.templates.values()]
            return self._reply(handler, 200, _content_page("contents", contents, path))
        found = re.fullmatch(r"/v1/Content/(HX[0-9a-f]{32})(/ApprovalRequests)?", path)
        template = self.templates.get(found.group(1)) if found else None
        if template is None:
            return self._reply(handler, 404, _error(20404, "The requested resource was not found", 404))
        if found.group(2):
            return self._reply(
                handler,
                200,
                {
                    "sid": template.sid,
                    "account_sid": ACCOUNT_SID,
                    "whatsapp": template.approval(),
                    "url": f"https://content.twilio.com{path}",
                },
            )
        return self._reply(handler, 200, template.as_content())

    def whatsapp_to(self, phone: str) -> list[Recorded]:
        """Every attempt to send WhatsApp to `phone` (E.164): what the provider was asked to do."""
        return self.texts_to(WHATSAPP + phone)

    def _logged_body(self, params: dict[str, str]) -> str:
        """What Twilio's log shows: the text, or a template's words with its variables filled."""
        template = self.templates.get(params.get("ContentSid", ""))
        if template is None:
            return params.get("Body", "")
        values = json.loads(params.get("ContentVariables") or "{}")
        return re.sub(r"\{\{(\d+)\}\}", lambda match: str(values.get(match.group(1), "")), template.body)

    def _message(self, params: dict[str, str]) -> dict[str, object]:
        sid = "SM" + uuid.uuid4().hex
        now = format_datetime(timezone.now(), usegmt=True)
        return {
            "sid": sid,
            "account_sid": ACCOUNT_SID,
            "messaging_service_sid": params.get("MessagingServiceSid"),
            "to": params["To"],
            "from": params.get("From"),
            "body": self._logged_body(params),
            "status": "accepted" if params.get("MessagingServiceSid") else "queued",
            "num_segments": "1",
            "direction": "outbound-api",
            "date_created": now,
            "date_updated": now,
            "date_sent": now,
            "error_code": None,
            "error_message": None,
            "price": None,
            "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
            "subresource_uris": {},
            "status_callback": params.get("StatusCallback"),
            "validity_period": params.get("ValidityPeriod"),
        }

    def _page(self, params: dict[str, str]) -> dict[str, object]:
        to = params.get("To")
        listed = [m for m in self.messages if to is None or m["to"] == to]
        return {
            "messages": listed,
            "page": 0,
            "page_size": 50,
            "first_page_uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json?PageSize=50&Page=0",
            "next_page_uri": None,
            "previous_page_uri": None,
            "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json?PageSize=50&Page=0",
            "start": 0,
            "end": max(len(listed) - 1, 0),
        }

    @staticmethod
    def _reply(handler: BaseHTTPRequestHandler, status: int, body: dict[str, object]) -> None:
        payload = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        # A client that timed out on a stalled answer has already hung up, as it would on Twilio.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            handler.end_headers()
            handler.wfile.write(payload)


def _content_page(key: str, records: list[dict[str, object]], path: str) -> dict[str, object]:
    return {
        key: records,
        "meta": {
            "page": 0,
            "page_size": 50,
            "first_page_url": f"https://content.twilio.com{path}?PageSize=50&Page=0",
            "previous_page_url": None,
            "url": f"https://content.twilio.com{path}?PageSize=50&Page=0",
            "next_page_url": None,
            "key": key,
        },
    }


def _error_body(script: Scripted) -> dict[str, object]:
    if script.code is None:
        return {"message": "down"}
    if script.problem_details:
        return {
            "type": f"https://www.twilio.com/docs/errors/{script.code}",
            "title": script.message,
            "status": script.status,
            "code": script.code,
            "detail": script.message,
        }
    return _error(script.code, script.message, script.status)


def _error(code: int | None, message: str, status: int) -> dict[str, object]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


@pytest.fixture
def twilio_fake(settings):
    """Texts go through the real Twilio client and backend to this fake on loopback."""
    fake = FakeTwilio().start()
    settings.SMS_BACKEND = "campaigns.sms.twilio.TwilioBackend"
    settings.TWILIO_API_BASE_URL = fake.url
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = ACCOUNT_SID, AUTH_TOKEN
    settings.TWILIO_MESSAGING_SERVICE_SID = MESSAGING_SERVICE_SID
    settings.TWILIO_TIMEOUT_SECONDS = 2
    settings.WHATSAPP_BACKEND = "campaigns.whatsapp.twilio.TwilioWhatsAppBackend"
    settings.TWILIO_WHATSAPP_FROM = WHATSAPP_SENDER
    try:
        yield fake
    finally:
        fake.stop()
