"""Segment counts: what a text will cost, as curators see it beside what they write."""

from __future__ import annotations

import pytest

from campaigns.sms.segments import count_segments


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        ("", "GSM-7", 0),
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("é" * 160, "GSM-7", 1),
        ("ą" * 70, "UCS-2", 1),
        ("ą" * 71, "UCS-2", 2),
        ("ą" * 134, "UCS-2", 2),
        ("ą" * 135, "UCS-2", 3),
    ],
)
def test_limits_per_encoding(text, encoding, segments):
    counted = count_segments(text)

    assert (counted.encoding, counted.segments) == (encoding, segments)


def test_one_emoji_switches_the_whole_text_to_ucs2():
    text = "New this week: three short videos on feedback. Watch here https://l.example/l/abc " * 1
    assert count_segments(text).encoding == "GSM-7"

    with_emoji = text + "🎉"

    assert count_segments(with_emoji).encoding == "UCS-2"
    assert count_segments(with_emoji).units == len(text) + 2  # An emoji is a surrogate pair.
    assert count_segments(with_emoji).segments == 2


def test_a_non_breaking_space_is_not_gsm7():
    assert count_segments("See\xa0you").encoding == "UCS-2"


def test_extension_characters_count_twice():
    assert count_segments("€" * 80).units == 160
    assert count_segments("€" * 80).segments == 1
    assert count_segments("€" * 81).segments == 2


def test_an_escape_pair_is_not_split_across_segments():
    # 152 plain characters then a euro: the pair does not fit in the first 153-septet segment.
    text = "a" * 152 + "€" + "b" * 10

    assert count_segments(text).segments == 2
    assert count_segments("a" * 152 + "€" + "b" * 153).segments == 3


def test_the_summary_a_curator_reads():
    assert str(count_segments("Hello")) == "1 segment (GSM-7, 5 characters)"
