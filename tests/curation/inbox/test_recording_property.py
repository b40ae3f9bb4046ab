"""Whatever entries a feed or an owned channel hands over, record_candidates records, counts or
refuses each in words, and never fails the batch (PostgreSQL refuses NULs, lone surrogates and
values past a column's length, so it runs against PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curation.inbox.entries import Entry
from curation.inbox.models import Candidate
from curation.inbox.services import record_candidates
from tests.channels.hostile_urls import hostile_urls
from tests.factories import CandidateSourceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.requires("postgres")]

any_text = st.text(alphabet=st.characters(exclude_categories=()), max_size=40)
long_text = st.integers(min_value=300, max_value=3_000).flatmap(
    lambda n: st.sampled_from(["t" * n, "é" * n, "\x00" * n, "a " * n])
)
texts = st.one_of(any_text, long_text)
addresses = st.one_of(
    hostile_urls(),
    st.builds(lambda path: f"https://blog.example.org/{path}", any_text | long_text),
    st.sampled_from(["https://blog.example.org/a", "https://blog.example.org/a/?utm_source=x"]),
)
entries = st.builds(
    Entry,
    url=addresses,
    title=texts,
    summary=texts,
    published_at=st.none() | st.datetimes(timezones=st.just(UTC)),
    tags=st.lists(texts, max_size=3).map(tuple),
    external_id=texts,
)


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(entries, max_size=6))
def test_every_entry_is_recorded_counted_or_refused_and_the_batch_never_fails(batch):
    with transaction.atomic():
        source = CandidateSourceFactory(name="Anything goes")
        recorded = record_candidates(source=source, entries=batch)

        assert recorded.added + recorded.already_known + len(recorded.refused) == len(batch)
        assert Candidate.objects.count() == recorded.added
        for candidate in Candidate.objects.all():
            assert candidate.canonical_url.startswith("https://") and len(candidate.canonical_url) <= 500
            assert "\x00" not in candidate.title + candidate.summary + "".join(candidate.tags)
        transaction.set_rollback(True)


def test_a_date_at_the_calendars_end_is_kept():
    source = CandidateSourceFactory(name="Far future")
    edge = datetime(9999, 12, 31, 23, 59, tzinfo=UTC)

    record_candidates(
        source=source, entries=[Entry(url="https://blog.example.org/end", title="End", published_at=edge)]
    )

    assert Candidate.objects.get().published_at == edge
