"""A loopback fake of a Teams channel's Workflows webhook ("Post to a channel when a webhook request
is received"), for campaigns.team_channels.web to post to through `requests`.

The stored address is a real-looking Power Automate one; TEAMS_WORKFLOW_BASE_URL sends the same path
and signature here. The fake checks the signature, and checks each post as Teams would read it:
a message envelope holding one Adaptive Card (type, version, $schema, a body of TextBlocks, actions
that open addresses). A post that breaks the schema is answered 400 and its problems are kept in
`rejected`, so a test sees why.
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.fakes.loopback import LoopbackServer

WORKFLOW_PATH = "/workflows/5f1c0e9b2d6a4c1e8f3a7b9d0c2e4f6a/triggers/manual/paths/invoke"
SIGNATURE = "f4k3-s1gn4tur3-0f-th3-w0rkfl0w-do-n0t-l34k"
WORKFLOW_URL = (
    f"https://prod-07.westeurope.logic.azure.com:443{WORKFLOW_PATH}"
    f"?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={SIGNATURE}"
)
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
CARD_VERSIONS = {"1.0", "1.1", "1.2", "1.3", "1.4", "1.5"}
ELEMENT_TYPES = {"TextBlock", "Image", "ColumnSet", "Container", "FactSet", "ActionSet", "RichTextBlock"}


def card_problems(payload: object) -> list[str]:
    """What Teams would refuse in a workflow post, as a list (empty: a card Teams renders)."""
    if not isinstance(payload, dict) or payload.get("type") != "message":
        return ["the post is not a message envelope (type: message)"]
    attachments = payload.get("attachments")
    if not isinstance(attachments, list) or not attachments:
        return ["the message has no attachments"]
    problems = []
    for attachment in attachments:
        if attachment.get("contentType") != ADAPTIVE_CARD:
            problems.append(f"contentType is {attachment.get('contentType')!r}, not an Adaptive Card")
            continue
        card = attachment.get("content") or {}
        if card.get("type") != "AdaptiveCard":
            problems.append("content.type is not AdaptiveCard")
        if card.get("version") not in CARD_VERSIONS:
            problems.append(f"version {card.get('version')!r} is not one Teams renders")
        if not str(card.get("$schema", "")).startswith("http://adaptivecards.io/schemas/adaptive-card"):
            problems.append("no $schema")
        body = card.get("body")
        if not isinstance(body, list) or not body:
            problems.append("the card has no body")
            body = []
        for element in body:
            if element.get("type") not in ELEMENT_TYPES:
                problems.append(f"unknown element {element.get('type')!r}")
            elif element["type"] == "TextBlock" and not isinstance(element.get("text"), str):
                problems.append("a TextBlock without text")
        for action in card.get("actions", []):
            if action.get("type") != "Action.OpenUrl" or not action.get("title"):
                problems.append(f"action {action!r} is not an Action.OpenUrl with a title")
            elif not str(action.get("url", "")).startswith(("https://", "http://")):
                problems.append(f"action url {action.get('url')!r} is not an address")
        if len(card.get("actions", [])) > 6:
            problems.append("more than six actions")
    return problems


@dataclass
class FakeTeamsWorkflow(LoopbackServer):
    posts: list[dict[str, object]] = field(default_factory=list)  # accepted cards, in order
    rejected: list[list[str]] = field(default_factory=list)
    requests: int = 0
    status: int = 202  # what an accepted post is answered
    stall: float = 0.0  # seconds before answering an accepted post
    drop: bool = False
    server: ThreadingHTTPServer | None = None

    def cards(self) -> list[dict[str, object]]:
        return [post["attachments"][0]["content"] for post in self.posts]

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        self.requests += 1
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        if method != "POST" or parts.path != WORKFLOW_PATH:
            return self._reply(handler, 404, {"error": {"code": "WorkflowNotFound"}})
        if parse_qs(parts.query).get("sig") != [SIGNATURE]:
            return self._reply(handler, 401, {"error": {"code": "DirectApiInvalidAuthorizationSignature"}})
        if self.drop:
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
            return None
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = None
        problems = card_problems(payload)
        if problems:
            self.rejected.append(problems)
            return self._reply(
                handler, 400, {"error": {"code": "InvalidRequestContent", "message": problems}}
            )
        if self.status >= 300:
            return self._reply(handler, self.status, {"error": {"code": "Scripted"}})
        self.posts.append(payload)
        time.sleep(self.stall)
        return self._reply(handler, self.status, None)

    @staticmethod
    def _reply(handler: BaseHTTPRequestHandler, status: int, body: object) -> None:
        payload = json.dumps(body).encode() if body is not None else b""
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            handler.end_headers()
            handler.wfile.write(payload)


@pytest.fixture
def teams_fake(settings):
    """Posts go through the real web backend and `requests` to this fake on loopback."""
    fake = FakeTeamsWorkflow().start()
    settings.TEAM_POST_BACKEND = "campaigns.team_channels.web.WebBackend"
    settings.TEAMS_WORKFLOW_BASE_URL = fake.url
    settings.TEAM_POST_TIMEOUT_SECONDS = 1
    try:
        yield fake
    finally:
        fake.stop()
