"""`make demo` shows an inbox: the shipped sample feed's candidates, with suggestions from its tags."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from curation.inbox.demo import SAMPLE_SOURCE
from curation.inbox.models import Candidate, CandidateSource, CandidateStatus
from curation.models import Format

pytestmark = pytest.mark.django_db


def test_the_demo_inbox_holds_the_sample_feeds_candidates_once(settings, capsys):
    settings.DEBUG = True

    call_command("load_demo")
    call_command("load_demo")

    source = CandidateSource.objects.get(name=SAMPLE_SOURCE)
    assert not source.is_active  # Nothing to poll at the sample's address.
    assert source.last_success_at is not None and source.last_error == ""
    candidates = Candidate.objects.filter(source=source)
    assert candidates.count() == 10
    assert set(candidates.values_list("status", flat=True)) == {CandidateStatus.NEW}
    phrases = candidates.get(title="Five phrases that take the heat out of a complaint")
    assert phrases.canonical_url == "https://www.learning-at-work.example/articles/five-phrases-complaints"
    assert phrases.suggested_topic.name == "Customer conversations"
    assert phrases.suggestion_reasons[0] == (
        "Topic: Customer conversations, from the feed's tag “customer-conversations”."
    )
    assert phrases.suggested_stage  # From the demo catalogue's items on the topic.
    assert candidates.filter(suggested_topic__isnull=False).count() == 10
    assert candidates.get(title="Spreadsheet formulas you will actually use").suggested_format == Format.VIDEO
    output = capsys.readouterr().out
    assert "Inbox: 10 candidates from the “Sample learning feed” (0 already there)." in output
    assert "Inbox: 0 candidates from the “Sample learning feed” (10 already there)." in output
