"""Writes to the inbox. Each function validates fully and saves in one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from curation.inbox.canonical import canonical_set, canonical_url
from curation.inbox.entries import Entry
from curation.inbox.models import Candidate, CandidateSource
from curation.inbox.suggestions import Suggester
from curation.models import Placement

TITLE_LENGTH = Candidate._meta.get_field("title").max_length
URL_LENGTH = Candidate._meta.get_field("url").max_length


@dataclass
class Recorded:
    """What one batch of entries did to the inbox."""

    added: int = 0
    already_known: int = 0  # already a candidate (new, accepted or dismissed) or in the catalogue
    refused: list[str] = field(default_factory=list)  # one plain-words line per entry left out


def catalogue_addresses() -> set[str]:
    """The canonical address of every placement: a candidate the catalogue already has is no candidate."""
    return canonical_set(Placement.objects.values_list("url", flat=True).iterator())


@transaction.atomic
def record_candidates(*, source: CandidateSource, entries: Iterable[Entry]) -> Recorded:
    """Add the entries new to the inbox; count the rest. A bad entry never stops the others."""
    recorded = Recorded()
    known = catalogue_addresses()
    suggester = Suggester(source)
    fresh: dict[str, Candidate] = {}
    for entry in entries:
        title = " ".join(entry.title.split())[:TITLE_LENGTH]
        if not title:
            recorded.refused.append(f"An entry at {entry.url[:100]!r} has no title: left out.")
            continue
        if len(entry.url) > URL_LENGTH:
            recorded.refused.append(f"“{title[:80]}”: the address is over {URL_LENGTH} characters: left out.")
            continue
        try:
            canonical = canonical_url(entry.url)
        except ValidationError as error:
            recorded.refused.append(f"“{title[:80]}”: {error.messages[0]} Left out.")
            continue
        if canonical in known or canonical in fresh:
            recorded.already_known += 1
            continue
        suggestion = suggester.suggest(entry)
        fresh[canonical] = Candidate(
            source=source,
            url=entry.url,
            canonical_url=canonical,
            external_id=entry.external_id[:300],
            title=title,
            summary=entry.summary,
            published_at=entry.published_at,
            tags=list(entry.tags),
            suggested_topic=suggestion.topic,
            suggested_format=suggestion.format,
            suggested_stage=suggestion.stage,
            suggestion_reasons=suggestion.reasons,
        )
    existing = set(
        Candidate.objects.filter(canonical_url__in=list(fresh)).values_list("canonical_url", flat=True)
    )
    recorded.already_known += len(existing)
    new = [candidate for canonical, candidate in fresh.items() if canonical not in existing]
    # ignore_conflicts: a poll that recorded the same address meanwhile wins; no error, no duplicate.
    Candidate.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    recorded.added = len(new)
    return recorded
