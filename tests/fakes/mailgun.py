"""A loopback fake of Mailgun's send API, for anymail's real Mailgun backend to talk to over HTTP.

It answers POST /v3/<domain>/messages as Mailgun does (basic auth "api:<key>", a multipart form,
{"id": "<...>", "message": "Queued. Thank you."}) and records each email's form fields. anymail
reaches it through its MAILGUN_API_URL setting, so nothing leaves loopback.
"""

from __future__ import annotations

import base64
import email
import email.policy
import itertools
import json
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from tests.fakes.loopback import LoopbackServer

API_KEY = "fake-mailgun-api-key"
SENDER_DOMAIN = "mg.acme-learning.example"
WEBHOOK_SIGNING_KEY = "fake-mailgun-webhook-signing-key"


@dataclass
class FakeMailgun(LoopbackServer):
    emails: list[dict[str, str]] = field(default_factory=list)  # form fields, with the id given
    server: ThreadingHTTPServer | None = None
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def anymail_settings(self, **more: object) -> dict[str, object]:
        return {
            "MAILGUN_API_KEY": API_KEY,
            "MAILGUN_SENDER_DOMAIN": SENDER_DOMAIN,
            "MAILGUN_API_URL": f"{self.url}/v3",
            "MAILGUN_WEBHOOK_SIGNING_KEY": WEBHOOK_SIGNING_KEY,
            "REQUESTS_TIMEOUT": 2,
            **more,
        }

    def sent_to(self, to: str) -> list[dict[str, str]]:
        return [sent for sent in self.emails if sent.get("to") == to]

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length", 0)))
        if method != "POST" or handler.path != f"/v3/{SENDER_DOMAIN}/messages":
            return self._answer(handler, 404, {"message": "Not found"})
        expected = "Basic " + base64.b64encode(f"api:{API_KEY}".encode()).decode()
        if handler.headers.get("Authorization") != expected:
            return self._answer(handler, 401, {"message": "Invalid private key"})
        fields = self._form(handler.headers.get("Content-Type", ""), body)
        message_id = f"<20261208100000.{next(self._ids)}.FAKE0123456789@{SENDER_DOMAIN}>"
        self.emails.append({**fields, "id": message_id})
        self._answer(handler, 200, {"id": message_id, "message": "Queued. Thank you."})

    @staticmethod
    def _form(content_type: str, body: bytes) -> dict[str, str]:
        """The form's text fields (the last value of a repeated one): url-encoded, or multipart when
        the email has attachments."""
        if content_type.startswith("application/x-www-form-urlencoded"):
            return {name: values[-1] for name, values in parse_qs(body.decode()).items()}
        parsed = email.message_from_bytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body, policy=email.policy.HTTP
        )
        return {
            part.get_param("name", header="content-disposition"): part.get_content()
            for part in parsed.iter_parts()
            if part.get_filename() is None
        }

    @staticmethod
    def _answer(handler: BaseHTTPRequestHandler, status: int, payload: dict[str, object]) -> None:
        data = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
