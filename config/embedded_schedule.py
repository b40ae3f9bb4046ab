"""The beat schedule, run inside the embedded default's web process.

Production runs one `celery beat` beside the workers: it releases texts waiting for working
hours, flushes clicks, syncs metrics, checks links and clears sessions on CELERY_BEAT_SCHEDULE.
The embedded default (`make demo`) has no beat and no worker, so without this a campaign
launched on a Sunday evening would wait for Monday morning forever. Here one background thread
drives the same schedule entries with Celery's own schedule objects (their is_due, so intervals
and crontabs mean what they mean to beat) and runs each due task in-process, as the eager
default runs every task.

It is started from config/wsgi.py, so only a process that serves the app runs it: not
`manage.py` commands, not the test suite, and under runserver's autoreloader only the child
that serves (the watching parent never loads the WSGI application). A lock on a file named for
the database keeps it to one process even when several serve the same database.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from celery.beat import ScheduleEntry
from django.conf import settings
from django.db import connections

from config.celery import app

logger = logging.getLogger(__name__)

# How long the thread sleeps at most between looks at the schedule, and between tries for the
# lock another process holds.
LONGEST_WAIT_SECONDS = 60.0


@dataclass
class ScheduleRunner:
    """CELERY_BEAT_SCHEDULE's entries, each run when Celery's schedule says it is due."""

    entries: list[ScheduleEntry] = field(default_factory=list)

    @classmethod
    def from_settings(cls) -> ScheduleRunner:
        app.loader.import_default_modules()  # the tasks' modules, as a worker imports them
        # Counted from now, as beat counts a new entry: an interval's first run is one interval on.
        return cls(
            [
                ScheduleEntry(
                    name=name,
                    task=entry["task"],
                    schedule=entry["schedule"],
                    args=entry.get("args", ()),
                    kwargs=entry.get("kwargs", {}),
                    app=app,
                )
                for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
            ]
        )

    def run_due(self) -> tuple[list[str], float]:
        """Run every entry that is due, once; return their names and the seconds until the next."""
        ran, waits = [], [LONGEST_WAIT_SECONDS]
        for index, entry in enumerate(self.entries):
            due, next_check = entry.is_due()
            if due:
                # Moved on before running, as beat does: a task that fails waits for its next turn.
                self.entries[index] = next(entry)
                self.run(entry)
                ran.append(entry.name)
            waits.append(next_check)
        return ran, max(0.0, min(waits))

    def run(self, entry: ScheduleEntry) -> None:
        try:
            app.tasks[entry.task].apply(args=entry.args, kwargs=entry.kwargs, throw=True)
        except Exception:
            logger.exception("Scheduled task %s failed; it runs again at its next time", entry.name)


def lock_path() -> Path:
    """One lock per database: two demos on two databases each run their own schedule."""
    database = str(settings.DATABASES["default"]["NAME"])
    digest = hashlib.sha256(database.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"curation-schedule-{digest}.lock"


class ScheduleThread(threading.Thread):
    def __init__(self) -> None:
        super().__init__(name="embedded-schedule", daemon=True)
        self.stopping = threading.Event()

    def run(self) -> None:
        with open(lock_path(), "w") as lock:
            while not self.holds(lock):
                if self.stopping.wait(LONGEST_WAIT_SECONDS):
                    return
            logger.info("Running the beat schedule in this process (the embedded default)")
            runner = ScheduleRunner.from_settings()
            while not self.stopping.is_set():
                try:
                    _, wait = runner.run_due()
                finally:
                    connections.close_all()  # this thread's own connections; none held while asleep
                self.stopping.wait(max(1.0, wait))

    @staticmethod
    def holds(lock) -> bool:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


_started: ScheduleThread | None = None
_starting = threading.Lock()


def start() -> ScheduleThread | None:
    """Start the schedule's thread in this process, once, if the settings ask for it."""
    global _started
    if not settings.EMBEDDED_SCHEDULE:
        return None
    with _starting:
        if _started is None or not _started.is_alive():
            _started = ScheduleThread()
            _started.start()
    return _started
