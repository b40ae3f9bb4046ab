"""A source goes, its candidates' record stays: a dismissed address must never come back."""

from __future__ import annotations

import pytest
from django.db.models import ProtectedError

from curation.inbox.entries import Entry
from curation.inbox.models import Candidate, CandidateStatus
from curation.inbox.services import record_candidates
from tests.factories import CandidateSourceFactory

pytestmark = pytest.mark.django_db

ARTICLE = Entry(url="https://blog.example.org/calm", title="Three questions that calm an angry customer")


def test_a_source_with_candidates_cannot_be_deleted_so_a_dismissal_is_never_forgotten():
    source = CandidateSourceFactory()
    record_candidates(source=source, entries=[ARTICLE])
    Candidate.objects.update(status=CandidateStatus.DISMISSED, dismiss_reason="Off topic")

    with pytest.raises(ProtectedError):
        source.delete()

    again = record_candidates(source=CandidateSourceFactory(name="Another feed"), entries=[ARTICLE])
    assert (again.added, again.already_known) == (0, 1)


def test_a_source_that_brought_nothing_can_be_deleted():
    source = CandidateSourceFactory()

    source.delete()

    assert not type(source).objects.filter(pk=source.pk).exists()
