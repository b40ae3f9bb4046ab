"""A loopback fake of Postmark's send API, for anymail's real Postmark backend to talk to over HTTP.

It answers POST /email as Postmark does (server token header, JSON shapes, the 406 "inactive
recipient" refusal, 429/5xx) and records every email it was asked to send. anymail reaches it
through its POSTMARK_API_URL setting, so nothing leaves loopback.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.fakes.loopback import LoopbackServer

SERVER_TOKEN = "fake-postmark-server-token"


@dataclass
class Scripted:
    """What the fake answers for one recipient instead of accepting the email."""

    status: int = 422
    error_code: int = 406
    message: str = ""
    delay: float = 0.0  # answer this late (a timeout on the client's side)


@dataclass
class FakePostmark(LoopbackServer):
    emails: list[dict[str, object]] = field(default_factory=list)  # accepted, with their MessageID
    attempts: list[dict[str, object]] = field(default_factory=list)  # every POST's body
    scripted: dict[str, Scripted] = field(default_factory=dict)
    server: ThreadingHTTPServer | None = None

    @property
    def api_url(self) -> str:
        return f"{self.url}/"

    def anymail_settings(self, **more: object) -> dict[str, object]:
        """The ANYMAIL settings that send through this fake."""
        return {
            "POSTMARK_SERVER_TOKEN": SERVER_TOKEN,
            "POSTMARK_API_URL": self.api_url,
            "REQUESTS_TIMEOUT": 2,
            **more,
        }

    def fail_for(self, to: str, **scripted: object) -> None:
        self.scripted[to] = Scripted(**scripted)

    def sent_to(self, to: str) -> list[dict[str, object]]:
        return [email for email in self.emails if email["To"] == to]

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        if method != "POST" or handler.path != "/email":
            return self._answer(handler, 404, {"ErrorCode": 404, "Message": "Not found"})
        body = json.loads(handler.rfile.read(int(handler.headers.get("Content-Length", 0))) or b"{}")
        self.attempts.append(body)
        if handler.headers.get("X-Postmark-Server-Token") != SERVER_TOKEN:
            return self._answer(
                handler, 401, {"ErrorCode": 10, "Message": "The Server Token you provided was invalid."}
            )
        to = str(body.get("To", ""))
        script = self.scripted.get(to)
        if script:
            time.sleep(script.delay)
            message = script.message or (
                "You tried to send to recipient(s) that have been marked as inactive.\n"
                f"Found inactive addresses: {to}.\n"
                "Inactive recipients are ones that have generated a hard bounce or a spam complaint. "
            )
            return self._answer(handler, script.status, {"ErrorCode": script.error_code, "Message": message})
        message_id = str(uuid.uuid4())
        self.emails.append({**body, "MessageID": message_id})
        self._answer(
            handler,
            200,
            {
                "To": to,
                "SubmittedAt": "2026-12-08T10:00:00.0000000-05:00",
                "MessageID": message_id,
                "ErrorCode": 0,
                "Message": "OK",
            },
        )

    @staticmethod
    def _answer(handler: BaseHTTPRequestHandler, status: int, payload: dict[str, object]) -> None:
        data = json.dumps(payload).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a scripted delay)
