"""Writes to the inbox. Each function validates fully and saves in one transaction."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.constants import OnConflict

from curation.inbox.canonical import canonical_set, canonical_url
from curation.inbox.entries import Entry
from curation.inbox.models import Candidate, CandidateSource
from curation.inbox.suggestions import Suggester
from curation.models import Placement

TITLE_LENGTH = Candidate._meta.get_field("title").max_length
URL_LENGTH = Candidate._meta.get_field("url").max_length
INSERT_BATCH = 1000
# C0 and C1 controls except tab and line feed, and lone surrogates (not encodable as UTF-8).
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


@dataclass
class Recorded:
    """What one batch of entries did to the inbox."""

    added: int = 0
    already_known: int = 0  # already a candidate (new, accepted or dismissed) or in the catalogue
    refused: list[str] = field(default_factory=list)  # one plain-words line per entry left out


def catalogue_addresses() -> set[str]:
    """The canonical address of every placement: a candidate the catalogue already has is no candidate."""
    return canonical_set(Placement.objects.values_list("url", flat=True).iterator())


def _plain(text: str) -> str:
    """The text without control characters (a NUL, an escape, a stray surrogate), keeping line breaks
    and tabs: feeds and APIs send them, PostgreSQL refuses a NUL outright, and nobody reads the rest."""
    return CONTROL.sub("", text)


@transaction.atomic
def record_candidates(*, source: CandidateSource, entries: Iterable[Entry]) -> Recorded:
    """Add the entries new to the inbox; count the rest. A bad entry never stops the others."""
    recorded = Recorded()
    known = catalogue_addresses()
    suggester = Suggester(source)
    fresh: dict[str, Candidate] = {}
    for entry in entries:
        title = " ".join(_plain(entry.title).split())[:TITLE_LENGTH]
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
        if len(canonical) > URL_LENGTH:  # written out as a browser would, "é" is "%C3%A9"
            recorded.refused.append(f"“{title[:80]}”: the address is over {URL_LENGTH} characters: left out.")
            continue
        if canonical in known or canonical in fresh:
            recorded.already_known += 1
            continue
        entry = replace(
            entry,
            title=title,
            summary=_plain(entry.summary),
            tags=tuple(tag for tag in map(_plain, entry.tags) if tag.strip()),
            external_id=_plain(entry.external_id)[:300],
        )
        suggestion = suggester.suggest(entry)  # its reasons quote the tags: plain ones
        fresh[canonical] = Candidate(
            source=source,
            url=entry.url,
            canonical_url=canonical,
            external_id=entry.external_id,
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
    # In address order: two polls inserting the same new addresses lock them in the same order,
    # so one waits for the other rather than each holding a row the other needs (a deadlock).
    new = [fresh[canonical] for canonical in sorted(fresh) if canonical not in existing]
    added = _insert_new(new)
    recorded.added = added
    # A poll running at the same time recorded these first: it wins, and this one counts them as known.
    recorded.already_known += len(new) - added
    return recorded


def _insert_new(candidates: list[Candidate]) -> int:
    """Insert the candidates, skipping any address recorded meanwhile; how many were inserted.

    bulk_create(ignore_conflicts=True) skips them too, but cannot say how many it skipped, so a
    poll that lost the race would report as added what the other poll added. This is the same one
    INSERT … ON CONFLICT DO NOTHING per batch, with RETURNING, so only the rows inserted are counted.
    """
    fields = [field for field in Candidate._meta.concrete_fields if not field.primary_key]
    inserted = 0
    for start in range(0, len(candidates), INSERT_BATCH):
        rows = Candidate.objects._insert(
            candidates[start : start + INSERT_BATCH],
            fields=fields,
            returning_fields=[Candidate._meta.pk],
            on_conflict=OnConflict.IGNORE,
        )
        inserted += sum(1 for row in rows if row)  # one insert alone answers [None] when skipped
    return inserted
