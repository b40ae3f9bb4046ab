"""A loopback fake of Slack's Web API method chat.postMessage, for the official slack-sdk WebClient
(pointed here by SLACK_API_BASE_URL) to talk to over HTTP.

It answers as Slack does: HTTP 200 with {"ok": false, "error": "<code>"} for a refusal (a bad token,
an unknown channel, a channel the app is not in, blocks it cannot lay out), 429 with Retry-After when
rate limited. It checks each message's blocks (header, section, actions with link buttons, within
Slack's limits) and that a `text` fallback is present, and keeps what it accepted in `messages`.
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.fakes.loopback import LoopbackServer

BOT_TOKEN = "xoxb-1234567890-0987654321-FakeBotTokenForTests"
CHANNEL_ID = "C0SALES0001"


def blocks_problems(blocks: object) -> list[str]:
    """What Slack would refuse as invalid_blocks (empty: a layout Slack shows)."""
    if not isinstance(blocks, list) or not blocks or len(blocks) > 50:
        return ["blocks must be a list of 1 to 50 blocks"]
    problems = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            text = block.get("text") or {}
            if text.get("type") != "plain_text" or not 0 < len(text.get("text", "")) <= 150:
                problems.append("a header needs plain_text of 1 to 150 characters")
        elif kind == "section":
            text = block.get("text") or {}
            if text.get("type") not in ("mrkdwn", "plain_text") or not 0 < len(text.get("text", "")) <= 3000:
                problems.append("a section needs text of 1 to 3000 characters")
        elif kind == "actions":
            elements = block.get("elements") or []
            if not 0 < len(elements) <= 25:
                problems.append("an actions block needs 1 to 25 elements")
            ids = [element.get("action_id") for element in elements]
            if len(set(ids)) != len(ids):
                problems.append("action_ids must be unique in a block")
            for element in elements:
                label = (element.get("text") or {}).get("text", "")
                if element.get("type") != "button" or not 0 < len(label) <= 75:
                    problems.append("a button needs a label of 1 to 75 characters")
                if not str(element.get("url", "")).startswith(("https://", "http://")):
                    problems.append("a link button needs a url")
        else:
            problems.append(f"unexpected block type {kind!r}")
    return problems


@dataclass
class FakeSlack(LoopbackServer):
    messages: list[dict[str, object]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # error codes answered
    channels: set[str] = field(default_factory=lambda: {CHANNEL_ID})
    not_joined: set[str] = field(default_factory=set)  # channels the app has not been invited to
    rate_limited: bool = False
    stall: float = 0.0
    server: ThreadingHTTPServer | None = None

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        if handler.path != "/api/chat.postMessage":
            return self._reply(handler, 404, {"ok": False, "error": "unknown_method"})
        if self.rate_limited:
            return self._reply(handler, 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "30"})
        if handler.headers.get("Authorization") != f"Bearer {BOT_TOKEN}":
            return self._refuse(handler, "invalid_auth")
        try:
            message = json.loads(raw)
        except ValueError:
            return self._refuse(handler, "invalid_json")
        channel = message.get("channel")
        if channel not in self.channels:
            return self._refuse(handler, "channel_not_found")
        if channel in self.not_joined:
            return self._refuse(handler, "not_in_channel")
        if not isinstance(message.get("text"), str) or not message["text"].strip():
            return self._refuse(handler, "no_text")  # our rule: the fallback is required
        if blocks_problems(message.get("blocks")):
            return self._refuse(handler, "invalid_blocks")
        self.messages.append(message)
        time.sleep(self.stall)
        ts = f"{1764000000 + len(self.messages)}.000100"
        return self._reply(handler, 200, {"ok": True, "channel": channel, "ts": ts, "message": message})

    def _refuse(self, handler: BaseHTTPRequestHandler, code: str) -> None:
        self.rejected.append(code)
        return self._reply(handler, 200, {"ok": False, "error": code})

    @staticmethod
    def _reply(
        handler: BaseHTTPRequestHandler, status: int, body: dict[str, object], headers: dict | None = None
    ) -> None:
        payload = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            handler.end_headers()
            handler.wfile.write(payload)


@pytest.fixture
def slack_fake(settings):
    """Posts go through the real web backend and slack-sdk's WebClient to this fake on loopback."""
    fake = FakeSlack().start()
    settings.TEAM_POST_BACKEND = "campaigns.team_channels.web.WebBackend"
    settings.SLACK_API_BASE_URL = f"{fake.url}/api/"
    settings.TEAM_POST_TIMEOUT_SECONDS = 1
    try:
        yield fake
    finally:
        fake.stop()
