"""What every loopback fake shares: an HTTP server thread on 127.0.0.1, on a free port, quiet.

A fake mixes this in and answers in `_handle(handler, method)`. start()/stop() need no pytest, so
a Celery worker started by a test (another process) can reach the fake too.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


class LoopbackServer:
    server: ThreadingHTTPServer | None
    keep_alive = False  # HTTP/1.1 keep-alive, as Google's APIs answer a client reusing its connection

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        raise NotImplementedError

    def start(self) -> Self:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if fake.keep_alive else "HTTP/1.0"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                fake._handle(self, "GET")

            def do_POST(self) -> None:
                fake._handle(self, "POST")

            def do_HEAD(self) -> None:
                fake._handle(self, "HEAD")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"


def refuse_leaving_loopback(monkeypatch) -> None:
    """Fail the test whose client tries to reach past loopback (the metadata server, Google)."""
    connect = socket.socket.connect

    def guarded(sock: socket.socket, address) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            assert ipaddress.ip_address(address[0]).is_loopback, f"left loopback for {address}"
        return connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
