"""SMS keywords, as carriers and Twilio understand them: the whole message, any case, trimmed."""

from __future__ import annotations

import enum


class Keyword(enum.Enum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"


KEYWORDS: dict[str, Keyword] = {
    **dict.fromkeys(
        ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"], Keyword.OPT_OUT
    ),
    # Twilio lifts its own block on these three, so we opt back in on the same words.
    **dict.fromkeys(["START", "UNSTOP", "YES"], Keyword.OPT_IN),
    **dict.fromkeys(["HELP", "INFO"], Keyword.HELP),
}


def parse_keyword(body: str | None) -> Keyword | None:
    """The keyword a message is, or None: "Stop texting me" is a sentence, not STOP."""
    word = (body or "").strip()
    # ASCII only: Python upper-cases some letters to ASCII (U+017F, long s, becomes S), which
    # no carrier would read as a keyword.
    return KEYWORDS.get(word.upper()) if word.isascii() else None
