"""How many SMS segments a text costs, and in which encoding.

A single character outside the GSM-7 alphabet (an emoji, a curly quote, a non-breaking space)
switches the whole text to UCS-2, cutting a segment from 160 characters to 70: the same words can
cost twice the money. Curators see this beside every text they write.
"""

from __future__ import annotations

from dataclasses import dataclass

# GSM 03.38 basic character set (one septet each) and its extension table (escape + char).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")

GSM7_SINGLE, GSM7_MULTI = 160, 153  # septets; multipart loses 7 to the concatenation header
UCS2_SINGLE, UCS2_MULTI = 70, 67  # UTF-16 code units


@dataclass(frozen=True)
class SegmentCount:
    encoding: str  # "GSM-7" or "UCS-2"
    segments: int
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    per_segment: int

    def __str__(self) -> str:
        plural = "s" if self.segments != 1 else ""
        return f"{self.segments} segment{plural} ({self.encoding}, {self.units} characters)"


def is_gsm7(text: str) -> bool:
    return all(char in GSM7_BASIC or char in GSM7_EXTENDED for char in text)


def _pack(unit_sizes: list[int], single: int, multi: int) -> int:
    """Segments needed when no unit (an escape pair, a surrogate pair) may be split."""
    if sum(unit_sizes) <= single:
        return 1 if unit_sizes else 0
    segments, used = 1, 0
    for size in unit_sizes:
        if used + size > multi:
            segments, used = segments + 1, 0
        used += size
    return segments


def count_segments(text: str) -> SegmentCount:
    if is_gsm7(text):
        sizes = [2 if char in GSM7_EXTENDED else 1 for char in text]
        segments = _pack(sizes, GSM7_SINGLE, GSM7_MULTI)
        per_segment = GSM7_SINGLE if segments <= 1 else GSM7_MULTI
        return SegmentCount("GSM-7", segments, sum(sizes), per_segment)
    sizes = [2 if ord(char) > 0xFFFF else 1 for char in text]
    segments = _pack(sizes, UCS2_SINGLE, UCS2_MULTI)
    per_segment = UCS2_SINGLE if segments <= 1 else UCS2_MULTI
    return SegmentCount("UCS-2", segments, sum(sizes), per_segment)
