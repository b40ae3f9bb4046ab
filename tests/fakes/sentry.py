"""A loopback fake of Sentry's ingest endpoint, recording every envelope the real SDK sends.

The SDK posts envelopes (newline-delimited JSON: a header, then each item's header and payload,
gzip-compressed) to /api/<project>/envelope/. The fake keeps each one decompressed, so a test
can read the events as Sentry would and search everything that left the process.
"""

from __future__ import annotations

import gzip
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.fakes.loopback import LoopbackServer

PUBLIC_KEY = "0123456789abcdef0123456789abcdef"


@dataclass
class Envelope:
    raw: str  # everything sent, decompressed
    items: list[tuple[dict[str, object], bytes]]

    def events(self) -> list[dict[str, object]]:
        return [json.loads(payload) for header, payload in self.items if header.get("type") == "event"]


def parse_envelope(body: bytes) -> Envelope:
    _, _, rest = body.partition(b"\n")
    items = []
    while rest.strip():
        header_line, _, rest = rest.partition(b"\n")
        if not header_line.strip():
            continue
        header = json.loads(header_line)
        length = header.get("length")
        if length is None:
            payload, _, rest = rest.partition(b"\n")
        else:
            payload, rest = rest[:length], rest[length + 1 :]
        items.append((header, payload))
    return Envelope(raw=body.decode(errors="replace"), items=items)


@dataclass
class FakeSentry(LoopbackServer):
    envelopes: list[Envelope] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    arrived: threading.Condition = field(default_factory=threading.Condition)

    @property
    def dsn(self) -> str:
        return f"{self.url.replace('http://', f'http://{PUBLIC_KEY}@')}/1"

    def events(self) -> list[dict[str, object]]:
        return [event for envelope in self.envelopes for event in envelope.events()]

    def sent(self) -> str:
        """Everything that reached the fake, as text."""
        return "\n".join(envelope.raw for envelope in self.envelopes)

    def wait_for_events(self, count: int, timeout: float = 10) -> list[dict[str, object]]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.events()) >= count, timeout=timeout)
        return self.events()

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        if handler.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        if method == "POST" and handler.path.rstrip("/").endswith("/envelope"):
            with self.arrived:
                self.envelopes.append(parse_envelope(body))
                self.arrived.notify_all()
        answer = json.dumps({"id": "0" * 32}).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(answer)))
        handler.end_headers()
        handler.wfile.write(answer)
