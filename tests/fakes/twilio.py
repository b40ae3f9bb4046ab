"""A loopback fake of Twilio's Messages API, for the real twilio client to talk to over HTTP.

It answers like Twilio (JSON shapes, error bodies, basic auth) and records every request. Usable
without pytest (start()/stop()) so a Celery worker started by a test can reach it too.
"""

from __future__ import annotations

import base64
import contextlib
import json
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
class FakeTwilio(LoopbackServer):
    requests: list[Recorded] = field(default_factory=list)
    messages: list[dict[str, object]] = field(default_factory=list)
    scripted: dict[str, Scripted] = field(default_factory=dict)
    # Every accepted text is answered this late: a provider that is slow but never fails.
    answer_after: float = 0.0
    server: ThreadingHTTPServer | None = None

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
        message = self._message(params)
        self.messages.append(message)  # in Twilio's log from now on, however late the answer
        time.sleep(script.delay if script else self.answer_after)
        return self._reply(handler, 201, message)

    def _message(self, params: dict[str, str]) -> dict[str, object]:
        sid = "SM" + uuid.uuid4().hex
        now = format_datetime(timezone.now(), usegmt=True)
        return {
            "sid": sid,
            "account_sid": ACCOUNT_SID,
            "messaging_service_sid": params.get("MessagingServiceSid"),
            "to": params["To"],
            "from": params.get("From"),
            "body": params.get("Body", ""),
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
    try:
        yield fake
    finally:
        fake.stop()
