"""Computing a week's review afresh (nothing kept) for 1,000 items with two years of daily figures,
beside the one query no review can avoid: the twelve weeks' figures added up per placement and week.

Needs PostgreSQL: BENCH_DATABASE_URL (else postgres://postgres@127.0.0.1:5432/curation_bench). The
database is created and migrated if missing; `curation` and `test_curation` are refused. The
programme is benchmarks/dashboard.py's (a GA4 blog and a YouTube channel, clicks, drop-out curves).

    .venv/bin/python benchmarks/review_compute.py                        # 1,000 items x 730 days
    .venv/bin/python benchmarks/review_compute.py --items 100 --days 120  # a quick look

This is what the sync's task spends once the figures change, and what a curator waits for when a
filter is asked for the first time. Prints the median of alternating runs of each, in ms, the
review's query count, and `ratio: <review / floor query>`; the goal is a review under 400 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import common, dashboard  # noqa: E402 - after the path is set

RUNS = 7
GOAL_MS = 400


def floor_seconds(week: str) -> float:
    """The twelve weeks' figures per placement and week, read once: every review starts here."""
    from analytics.review.figures import figures_by_placement_week
    from analytics.review.weeks import RECENT_WEEKS, ReviewFilters, parse_iso_week

    week_start = parse_iso_week(week)
    started = time.perf_counter()
    figures_by_placement_week(
        week_start - timedelta(weeks=RECENT_WEEKS - 1), week_start + timedelta(days=6), ReviewFilters()
    )
    return time.perf_counter() - started


def review_seconds(week: str) -> tuple[float, int]:
    """The whole week computed from the database, as weekly_review does it for the kept review."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from analytics.review.dashboard import weekly_review
    from analytics.review.weeks import ReviewFilters, parse_iso_week

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        weekly_review(week=parse_iso_week(week), filters=ReviewFilters())
        seconds = time.perf_counter() - started
    return seconds, len(captured)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--days", type=int, default=730)
    arguments = parser.parse_args()
    common.ensure_database(dashboard.DATABASE_URL, dashboard.ENV)
    print(f"building {arguments.items} items x {arguments.days} days of figures...", flush=True)
    week = dashboard.setup(arguments.items, arguments.days)
    import time_machine

    try:
        # The Tuesday after the reviewed week: the review the meeting opens, with the clock still.
        with time_machine.travel(dashboard.END + timedelta(days=2), tick=False):
            review_seconds(week)  # warm: connections, the database's caches
            reviews, floors, queries = [], [], 0
            for _ in range(RUNS):  # alternating, so drift on the machine hits both alike
                seconds, queries = review_seconds(week)
                reviews.append(seconds)
                floors.append(floor_seconds(week))
    finally:
        dashboard.cleanup()
    review, floor = statistics.median(reviews), statistics.median(floors)
    print(f"review {week} computed afresh: {review * 1000:.0f} ms (median of {RUNS}), {queries} queries")
    print(f"floor, the twelve weeks per placement in one GROUP BY: {floor * 1000:.0f} ms")
    print(f"goal: under {GOAL_MS} ms -> {'met' if review * 1000 < GOAL_MS else 'NOT met'}")
    print(f"ratio: {review / floor:.2f}")


if __name__ == "__main__":
    main()
