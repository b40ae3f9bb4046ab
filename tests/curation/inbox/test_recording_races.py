"""Two polls recording the same article at once, on PostgreSQL: one candidate, no error, and each
poll's count says what it really did."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from curation.inbox.entries import Entry
from curation.inbox.models import Candidate
from curation.inbox.services import Recorded, record_candidates
from tests.factories import CandidateSourceFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.requires("postgres")]

ARTICLE = Entry(url="https://blog.example.org/posts/calm-callers?utm_source=feed", title="Calm callers")


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # else a transaction sees its first reading
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.parametrize("also_new", [0, 2], ids=["alone", "with-two-more"])
def test_the_poll_that_lost_the_race_counts_the_article_as_known_not_added(also_new):
    first_source = CandidateSourceFactory(name="Blog feed")
    second_source = CandidateSourceFactory(name="Aggregator feed")
    first_inserted = threading.Event()
    results: dict[str, Recorded | BaseException] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                results["first"] = record_candidates(source=first_source, entries=[ARTICLE])
                first_inserted.set()
                # Hold the transaction open until the second poll waits on the same address.
                deadline = time.monotonic() + 10
                while not _waiting_on_a_lock() and time.monotonic() < deadline:
                    time.sleep(0.05)
        except BaseException as error:
            results["first"] = error
        finally:
            connection.close()

    def second() -> None:
        try:
            first_inserted.wait(10)
            more = [
                Entry(url=f"https://blog.example.org/posts/{n}", title=f"Post {n}") for n in range(also_new)
            ]
            results["second"] = record_candidates(source=second_source, entries=[ARTICLE, *more])
        except BaseException as error:
            results["second"] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert isinstance(results["first"], Recorded), results["first"]
    assert isinstance(results["second"], Recorded), results["second"]
    assert (results["first"].added, results["first"].already_known) == (1, 0)
    assert (results["second"].added, results["second"].already_known) == (also_new, 1)
    assert Candidate.objects.get(title="Calm callers").source == first_source
    assert Candidate.objects.count() == 1 + also_new
