"""N people on three live journeys, every one of them due for a step: one scheduler tick that
writes their ledger rows and moves them on, beside bulk-inserting the same rows.

Needs PostgreSQL and Redis: BENCH_DATABASE_URL / BENCH_REDIS_URL (else DATABASE_URL / REDIS_URL,
else the local services CI uses). The database is created and migrated if missing; the
`curation` and `test_curation` databases are refused, since the tests own them.

    .venv/bin/python benchmarks/journeys.py                 # 100,000 people
    .venv/bin/python benchmarks/journeys.py --people 5000   # a quick look

The tick runs in this process as beat's task would. It only queues the sending tasks on Redis
(no worker runs, so nothing is sent), and they are purged afterwards. A first tick with a tenth
of the people due shows how time and memory grow with the crowd; memory is the growth of this
process's resident high-water mark (VmHWM, reset before each tick) over its size before it.
The baseline writes the same rows (same count, same columns) in one INSERT ... SELECT from a copy
of them, the floor for writing them; bulk_create, as benchmarks/fanout.py writes its baseline, is
printed beside it. Prints `ratio: <floor / tick>` (goal >= 0.5).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
import tracemalloc
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import common  # noqa: E402 - after the path is set

BENCH_EMAIL_DOMAIN = "journeys.bench.example"  # how this benchmark's employees are found again
JOURNEY_PREFIX = "Bench journey"  # and its journeys
TIME_ZONES = ["Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Sydney"]
LEDGER_COLUMNS = (
    "campaign_id",
    "subscriber_id",
    "medium",
    "occurrence",
    "not_before",
    "status",
    "error",
    "attempts",
    "provider_id",
    "updated_at",
)

DATABASE_URL = (
    os.environ.get("BENCH_DATABASE_URL")
    or os.environ.get("DATABASE_URL")
    or "postgres://postgres@127.0.0.1:5432/curation_bench"
)
ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": os.environ.get("BENCH_REDIS_URL")
    or os.environ.get("REDIS_URL")
    or "redis://127.0.0.1:6379/14",
    # Tasks go to Redis and wait there: no worker runs, so the tick's cost is the tick's alone.
    "CELERY_TASK_ALWAYS_EAGER": "false",
    # A secret turns DEBUG off: no query log growing in this process, as in production.
    "SECRET_KEY": "benchmark-only-secret-key-not-used-anywhere-else-0123456789",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "LOG_LEVEL": "WARNING",
    "SMS_BACKEND": "benchmarks.null_sms.NullSmsBackend",
    "EMAIL_URL": "dummymail://",
    "CAMPAIGN_WEEKLY_CAP": "1000000",
    "SEND_WINDOW_DAYS": "0,1,2,3,4,5,6",
    "SEND_WINDOW_START": "00:00",
    "SEND_WINDOW_END": "00:00",  # end <= start: the window runs all day
    "PYTHONPATH": str(ROOT),
}


def ensure_database() -> None:
    common.ensure_database(DATABASE_URL, ENV)


def setup_django() -> None:
    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def purge_queued_tasks() -> int:
    """The sending tasks the ticks queued: nobody is to be sent anything."""
    from config.celery import app

    return app.control.purge()


def cleanup() -> None:
    """Remove what this benchmark wrote (also what an interrupted run left behind)."""
    from campaigns.models import Campaign, ConsentEvent, Enrolment, Journey, Subscriber

    journeys = Journey.objects.filter(name__startswith=JOURNEY_PREFIX)
    Enrolment.objects.filter(journey__in=journeys)._raw_delete(Enrolment.objects.db)
    # The steps' messages, with their deliveries and links; the steps go with them.
    Campaign.objects.filter(journey_step__journey__in=journeys).delete()
    journeys.delete()
    people = Subscriber.objects.filter(email__endswith=f"@{BENCH_EMAIL_DOMAIN}")
    # Raw deletes: simple_history would otherwise load and log 100,000 employees one by one.
    ConsentEvent.objects.filter(subscriber__in=people)._raw_delete(ConsentEvent.objects.db)
    people._raw_delete(Subscriber.objects.db)
    purge_queued_tasks()


def create_employees(count: int) -> None:
    """Subscribed by text and email across four time zones, written as the tests write them."""
    from tests.factories import subscribed_employees

    for index, time_zone in enumerate(TIME_ZONES):
        share = count // len(TIME_ZONES) + (index < count % len(TIME_ZONES))
        subscribed_employees(share, email_domain=BENCH_EMAIL_DOMAIN, time_zone=time_zone)


def bench_placement():
    """A live blog post for the steps to link to."""
    from channels.models import Channel, MetricSource, Platform, Visibility
    from channels.services import register_channel
    from curation import services
    from curation.models import Format, Placement, Stage

    url = "https://blog.journeys.bench.example/"
    placement = Placement.objects.filter(channel__url=url).first()
    if placement is None:
        channel = Channel.objects.filter(url=url).first() or register_channel(
            name="Bench journeys blog",
            platform=Platform.BLOG,
            url=url,
            visibility=Visibility.PUBLIC,
            metric_source=MetricSource.CLICKS_ONLY,
        )
        item = services.create_item(title="Bench journey post", format=Format.BLOG_POST, stage=Stage.EMBEDDED)
        placement = services.place_item(item=item, channel=channel, url=f"{url}posts/1/")
        services.mark_live(item=item)
    return placement


def launcher():
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username="bench-launcher").first()
    return user or get_user_model().objects.create_superuser("bench-launcher", password=None)


def bench_journeys(user) -> list:
    """Three live journeys a curator enrols people on (so a tick takes nobody in by sign-up), of
    two or three steps each: texts, emails, both, a check by text, a step at a local time."""
    from campaigns import journeys
    from campaigns.models import Journey, JourneyEntry, MediaPreference
    from tests.campaigns.journey_data import compose

    placement = bench_placement()
    check = {
        "question": "Which of these calms an angry customer first? Reply A, B or C",
        "choices": ["Listen first", "Offer a refund", "Call a manager"],
        "correct": "A",
    }
    plans = [
        ("welcome", [(MediaPreference.BOTH, {}), (MediaPreference.SMS, {"wait_days": 2, **check})]),
        (
            "new managers",
            [
                (MediaPreference.EMAIL, {}),
                (MediaPreference.SMS, {"wait_days": 3, "at_local_time": clock(9, 0)}),
                (MediaPreference.BOTH, {"wait_days": 7}),
            ],
        ),
        ("feedback", [(MediaPreference.SMS, {}), (MediaPreference.EMAIL, {"wait_days": 14})]),
    ]
    made = []
    for name, steps in plans:
        journey = Journey.objects.create(name=f"{JOURNEY_PREFIX}: {name}", entry=JourneyEntry.CURATOR)
        for media, fields in steps:
            compose(journeys.create_step(journey=journey, **fields), placement, media=media)
        made.append(journeys.launch(journey=journey, by=user))
    return made


def enrol_everyone(journeys_: list, user) -> None:
    """Everyone on one journey (by their id, so each journey has people in every zone), entered
    ten days ago."""
    from django.db.models import F
    from django.db.models.functions import Mod

    from campaigns import journeys
    from campaigns.models import Enrolment, Subscriber

    people = Subscriber.objects.filter(email__endswith=f"@{BENCH_EMAIL_DOMAIN}").annotate(
        lane=Mod("pk", len(journeys_))
    )
    for lane, journey in enumerate(journeys_):
        journeys.enrol(journey=journey, subscribers=people.filter(lane=lane), by=user)
    Enrolment.objects.filter(journey__in=journeys_).update(entered_at=F("entered_at") - timedelta(days=10))


def place(journeys_: list) -> None:
    """Each person at one of their journey's steps (again by id), no ledger rows written yet."""
    from django.db.models import F
    from django.db.models.functions import Mod

    from campaigns.models import Delivery, Enrolment

    ledger().order_by()._raw_delete(Delivery.objects.db)
    for journey in journeys_:
        Enrolment.objects.filter(journey=journey).update(
            next_position=Mod(F("subscriber_id") / len(journeys_), journey.steps.count()) + 1
        )


def make_due(now: datetime, *, every: int) -> int:
    """One person in `every` due an hour ago for their step, the rest a month from now."""
    from django.db.models import Case, Value, When
    from django.db.models.functions import Mod

    from campaigns.models import Enrolment, EnrolmentStatus

    hour_ago, month_on = now - timedelta(hours=1), now + timedelta(days=30)
    enrolments = Enrolment.objects.filter(journey__name__startswith=JOURNEY_PREFIX).annotate(
        slot=Mod("subscriber_id", every)
    )
    enrolments.update(
        status=EnrolmentStatus.ACTIVE,
        ended_at=None,
        last_step_at=None,
        next_due_at=Case(When(slot=0, then=Value(hour_ago)), default=Value(month_on)),
    )
    return enrolments.filter(slot=0).count()


def vacuum() -> None:
    """Statistics and dead rows as autovacuum would leave them, so every timed write starts alike."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("campaigns_delivery", "campaigns_enrolment", "campaigns_subscriber"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def ledger():
    from campaigns.models import Delivery

    return Delivery.objects.filter(campaign__journey_step__journey__name__startswith=JOURNEY_PREFIX)


def vm_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def timed_tick(now: datetime):
    """One tick: its seconds, what it did, and how far it lifted this process's resident peak."""
    from campaigns import journey_schedule

    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS, so the peak is the tick's
    before = vm_kb("VmRSS")
    started = time.perf_counter()
    ticked = journey_schedule.tick(now=now)
    elapsed = time.perf_counter() - started
    grown_mb = (vm_kb("VmHWM") - before) / 1024
    return elapsed, ticked, grown_mb


def traced_tick(now: datetime) -> tuple[object, float]:
    """One tick under tracemalloc (slower, so untimed): what it did and the most memory Python
    held for it at once. Freed memory the process keeps is reused without lifting its resident
    size, so this, not VmHWM, is what shows whether memory grows with the crowd."""
    from campaigns import journey_schedule

    gc.collect()
    tracemalloc.start()
    try:
        ticked = journey_schedule.tick(now=now)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return ticked, peak / 2**20


def snapshot_ledger() -> int:
    """The tick's rows, copied aside (a temporary table) and removed from the ledger."""
    from django.db import connection

    from campaigns.models import Delivery

    select, params = ledger().values(*LEDGER_COLUMNS).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_ledger")
        cursor.execute(f"CREATE TEMPORARY TABLE bench_ledger AS {select}", params)
        cursor.execute("SELECT count(*) FROM bench_ledger")
        copied = cursor.fetchone()[0]
    ledger().order_by()._raw_delete(Delivery.objects.db)
    vacuum()
    return copied


def baseline_insert_select() -> float:
    """The floor: the same rows written by one INSERT ... SELECT, in one transaction."""
    from django.db import connection, transaction

    from campaigns.models import Delivery

    names = ", ".join(LEDGER_COLUMNS)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO campaigns_delivery ({names}) SELECT {names} FROM bench_ledger")  # noqa: S608
    elapsed = time.perf_counter() - started
    ledger().order_by()._raw_delete(Delivery.objects.db)
    vacuum()
    return elapsed


def baseline_bulk_create() -> float:
    """As benchmarks/fanout.py's baseline: Delivery objects built and bulk_create'd in one
    transaction (the rows read into memory beforehand, untimed)."""
    from django.db import connection, transaction

    from campaigns.models import Delivery

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(LEDGER_COLUMNS)} FROM bench_ledger")  # noqa: S608
        rows = cursor.fetchall()
    started = time.perf_counter()
    with transaction.atomic():
        Delivery.objects.bulk_create(
            (Delivery(**dict(zip(LEDGER_COLUMNS, row, strict=True))) for row in rows), batch_size=5000
        )
    elapsed = time.perf_counter() - started
    ledger().order_by()._raw_delete(Delivery.objects.db)
    vacuum()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    arguments = parser.parse_args()
    ensure_database()
    setup_django()
    from django.utils import timezone

    cleanup()
    try:
        started = time.perf_counter()
        create_employees(arguments.people)
        user = launcher()
        journeys_ = bench_journeys(user)
        enrol_everyone(journeys_, user)
        setup = time.perf_counter() - started
        print(f"people: {arguments.people} on {len(journeys_)} journeys (set up in {setup:.1f} s)")

        now = timezone.now()
        peaks = {}
        for every in (10, 1):  # a tenth due, then everyone
            place(journeys_)
            due = make_due(now, every=every)
            ticked, peaks[due] = traced_tick(now)
            purge_queued_tasks()
        (tenth, small), (everyone, large) = peaks.items()
        print(
            f"peak Python memory in the tick: {small:.2f} MB with {tenth} due, {large:.2f} MB with {everyone}"
        )

        place(journeys_)
        due = make_due(now, every=1)
        vacuum()
        seconds, ticked, grown = timed_tick(now)
        purged = purge_queued_tasks()
        print(
            f"tick with everyone due: {ticked.queued} rows queued in {seconds:.2f} s "
            f"({ticked.queued / seconds:.0f} rows/s)"
        )
        print(f"  {ticked}; {purged} sending tasks purged unsent; resident peak +{grown:.1f} MB")

        copied = snapshot_ledger()
        assert copied == ticked.queued, (copied, ticked.queued)
        floor = baseline_insert_select()
        bulk = baseline_bulk_create()
        print(f"baseline INSERT ... SELECT of the same {copied} rows: {floor:.2f} s")
        print(f"baseline bulk_create of the same rows (as fanout.py): {bulk:.2f} s")
        print(f"ratio: {floor / seconds:.2f}")
    finally:
        cleanup()


if __name__ == "__main__":
    main()
