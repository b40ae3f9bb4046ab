"""What every source hands the inbox: an entry, read but not yet recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Entry:
    url: str
    title: str
    summary: str = ""
    published_at: datetime | None = None
    tags: tuple[str, ...] = ()  # the feed's categories / keywords, as written
    external_id: str = ""  # a YouTube video id or a GA4 page path, when the source knows it
