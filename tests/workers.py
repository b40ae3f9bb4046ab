"""Real processes for tests about workers: a Celery worker and a Redis server the test owns.

Both can be killed outright and started again, which is what the ledger must survive.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import redis

from config import queues
from tests.helpers import free_port
from tests.processes import PROJECT_ROOT, SETTINGS_VARIABLES


def wait_for(condition: Callable[[], object], *, timeout: float, what: str, interval: float = 0.1) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {what}")


FAKED_CLOCK_VARIABLES = {"LD_PRELOAD", "FAKETIME"}


class RedisServer:
    """A redis-server of the test's own on a free loopback port, keeping nothing on disk."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # Under a faked clock (`make test CLOCK=...`) the server keeps real time, as a shared one
            # does: libfaketime stalls redis-server's event loop, and Redis's clock is only compared
            # with itself (the rate limit's bucket).
            env={k: v for k, v in os.environ.items() if k not in FAKED_CLOCK_VARIABLES},
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        wait_for(lambda: _answers(client), timeout=10, what="redis-server to answer")
        return self

    def kill(self) -> None:
        """Gone at once, and with it every queued task: it keeps nothing on disk."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def restart(self) -> None:
        self.kill()
        self.start()


def _answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


WORKER_OPTIONS = (
    *("--pool", "prefork", "--loglevel", "INFO"),
    *("--without-heartbeat", "--without-gossip", "--without-mingle"),
)


class CeleryWorker:
    """`celery worker` in its own process group, with the environment the test gives it.

    It consumes every queue unless told which (docker-compose.yml's workers each take some);
    `name` tells two workers of one test apart (`-n`, as the compose file names them).
    """

    def __init__(
        self,
        env: dict[str, str],
        *,
        queues: tuple[str, ...] = queues.ALL,
        concurrency: int = 2,
        name: str = "worker",
    ) -> None:
        self.env = env
        self.options = (
            *("-Q", ",".join(queues), "-n", f"{name}@%h", "--concurrency", str(concurrency)),
            *WORKER_OPTIONS,
        )
        self.process: subprocess.Popen | None = None
        self.log = Path(tempfile.mkstemp(prefix="celery-worker-", suffix=".log")[1])

    def start(self, *, wait: bool = True) -> CeleryWorker:
        """Started; ready unless `wait` is off (then `ready()` waits), so two can start at once."""
        clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "worker", *self.options],
                cwd=PROJECT_ROOT,
                env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: a kill reaches the pool's children too
            )
        return self.ready() if wait else self

    def ready(self) -> CeleryWorker:
        wait_for(lambda: " ready." in self.output(), timeout=60, what="the worker to start")
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL to the worker and its pool: no warm shutdown, no acknowledgement, no cleanup."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
