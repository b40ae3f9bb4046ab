"""Counting an answer once per person without keeping who answered: the receipts and totals.

Concurrency is tried on PostgreSQL with real threads, each on its own connection: two webhooks
carrying the same reply at once must count it once, and fifty different answers must all count.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection

from campaigns import voice
from campaigns.models import LeaveReason, LeaveReasonCount, VoiceReceipt

pytestmark = pytest.mark.django_db(transaction=True)

NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def at_once(count: int, work) -> list:
    """Run `work(i)` in `count` threads released together; each closes its own connection."""
    start = threading.Barrier(count)

    def run(index: int):
        start.wait()
        try:
            return work(index)
        finally:
            connection.close()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


@pytest.mark.requires("postgres")
def test_the_same_answer_arriving_twelve_times_at_once_is_first_only_once():
    expires = NOON + timedelta(days=7)
    firsts = at_once(12, lambda _: voice.first_answer("useful", 7, 1, "key-of-someone", expires_at=expires))
    assert firsts.count(True) == 1
    assert VoiceReceipt.objects.count() == 1


@pytest.mark.requires("postgres")
def test_fifty_different_people_answering_at_once_are_all_counted():
    week = date(2026, 3, 9)
    at_once(50, lambda _: voice.add_one(LeaveReasonCount, "count", week=week, reason=LeaveReason.WRONG_TIME))
    assert LeaveReasonCount.objects.get(week=week, reason=LeaveReason.WRONG_TIME).count == 50


def test_a_receipt_holds_neither_the_person_nor_the_question_in_clear():
    voice.first_answer("leave", "link-key-abc123", "sms", expires_at=NOON)
    receipt = VoiceReceipt.objects.get()
    assert "abc123" not in receipt.key and "leave" not in receipt.key
    assert len(receipt.key) == 64


def test_receipts_are_forgotten_once_their_window_closes_and_the_answer_may_then_not_be_matched():
    voice.first_answer("check", 3, "k1", expires_at=NOON)
    voice.first_answer("check", 3, "k2", expires_at=NOON + timedelta(days=1))
    with time_machine.travel(NOON + timedelta(hours=1), tick=False):
        assert voice.forget_expired() == 1
    assert VoiceReceipt.objects.count() == 1
    assert not voice.first_answer("check", 3, "k2", expires_at=NOON + timedelta(days=1))


@pytest.mark.parametrize(
    ("moment", "monday"),
    [
        # Sunday 23:30 in London (BST) is still the week that began on Monday 23 March.
        (datetime(2026, 3, 29, 22, 30, tzinfo=UTC), date(2026, 3, 23)),
        # Monday 00:30 in London (BST) is already the new week, though UTC still says Sunday.
        (datetime(2026, 3, 29, 23, 30, tzinfo=UTC), date(2026, 3, 30)),
        # New Year's Day 2027 is a Friday: its week began in 2026.
        (datetime(2027, 1, 1, 9, 0, tzinfo=UTC), date(2026, 12, 28)),
    ],
)
def test_a_week_is_the_programmes_monday_to_sunday(settings, moment, monday):
    settings.PROGRAMME_TIME_ZONE = "Europe/London"
    assert voice.week_of(moment) == monday
