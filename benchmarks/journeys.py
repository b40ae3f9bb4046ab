"""N people on three live journeys, every one of them due for a step: one scheduler tick that
writes their ledger rows and moves them on, beside bulk-inserting the same rows.

Needs PostgreSQL and Redis: BENCH_DATABASE_URL / BENCH_REDIS_URL (else DATABASE_URL / REDIS_URL,
else the local services CI uses). The database is created and migrated if missing; the
`curation` and `test_curation` databases are refused, since the tests own them.

    .venv/bin/python benchmarks/journeys.py                 # 100,000 people
    .venv/bin/python benchmarks/journeys.py --people 5000   # a quick look

The tick runs in this process as beat's task would. It only queues the sending tasks on Redis
(no worker runs, so nothing is sent), and they are purged afterwards. Memory: the most Python
holds at once during a tick (tracemalloc, on untimed ticks) with a tenth of the people due and
with all of them, which should not differ; the resident high-water mark's rise is printed too,
though freed memory the process kept from the set-up hides most of any rise there.

The baseline writes the same rows (same count, same columns, checked row for row) in one
INSERT ... SELECT from the same enrolments, without the tick's other work (consent, the weekly
cap, moving people on). Beside it: writing the rows alone (INSERT ... SELECT from a copy of
them, the floor) and bulk_create (as benchmarks/fanout.py's baseline). Each timed part runs
`--repeat` times from the same state and the fastest counts, as the machine may be shared.
Prints `ratio: <baseline / tick>` (goal >= 0.5), and the ratio against the floor.
"""

from __future__ import annotations

import argparse
import gc
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

DATABASE_URL = common.database_url()
ENV = common.sending_env(
    DATABASE_URL,
    # Tasks go to Redis and wait there: no worker runs, so the tick's cost is the tick's alone.
    CELERY_TASK_ALWAYS_EAGER="false",
)


def ensure_database() -> None:
    common.ensure_database(DATABASE_URL, ENV)


def setup_django() -> None:
    common.setup_django(ENV)


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

    placement = common.live_blog_post(
        url="https://blog.journeys.bench.example/", name="Bench journeys blog", title="Bench journey post"
    )
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
    """Statistics and dead rows as autovacuum would leave them, and a checkpoint, so every timed
    write starts alike: each pays for the first change to a page since it (a whole page to the
    WAL), and no checkpoint falls inside one and not the other."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("campaigns_delivery", "campaigns_enrolment", "campaigns_subscriber"):
            cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute("CHECKPOINT")


def ledger():
    from campaigns.models import Delivery

    return Delivery.objects.filter(campaign__journey_step__journey__name__startswith=JOURNEY_PREFIX)


def vm_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def timed_tick(now: datetime) -> tuple[float, object, float]:
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


def tick_everyone(journeys_: list, now: datetime) -> tuple[float, object, float]:
    """Everyone back at their step and due, then one timed tick; its tasks purged unsent."""
    place(journeys_)
    make_due(now, every=1)
    vacuum()
    run = timed_tick(now)
    purge_queued_tasks()
    return run


def seconds_of(runs: list[float]) -> str:
    return ", ".join(f"{run:.2f}" for run in runs)


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


def send_times(journeys_: list, now: datetime) -> tuple[list[int], list[str], list[datetime]]:
    """When each step goes out in each zone (as the tick reckons it): step message, zone, moment."""
    from campaigns.journey_schedule import at_local_time
    from campaigns.quiet_hours import SendWindow, zone

    window = SendWindow.from_settings()
    found = [
        (step.message_id, name, window.opens(at_local_time(now, step.at_local_time, name), zone(name)))
        for journey in journeys_
        for step in journey.steps.all()
        for name in common.TIME_ZONES
    ]
    return tuple(list(column) for column in zip(*found, strict=True))


def baseline_from_enrolments(journeys_: list, now: datetime) -> float:
    """The baseline: the tick's rows written by one INSERT ... SELECT from the same enrolments
    (each due person's step, the media it and they take, its moment in their zone), with none of
    the tick's other work: no consent or weekly cap read, nobody moved on. Then checked to be
    the very rows the tick wrote."""
    from django.db import connection, transaction

    from campaigns.models import DeliveryStatus, EnrolmentStatus, MediaPreference, Medium

    place(journeys_)  # everyone back where the tick found them
    make_due(now, every=1)
    vacuum()
    messages, zones, moments = send_times(journeys_, now)
    names = ", ".join(LEDGER_COLUMNS)
    sql = f"""
        INSERT INTO campaigns_delivery ({names})
        SELECT step.message_id, enrolment.subscriber_id, medium.name, message.occurrence, moment.at,
               %(pending)s, '', 0, '', %(now)s
        FROM campaigns_enrolment enrolment
        JOIN campaigns_journeystep step
            ON step.journey_id = enrolment.journey_id AND step.position = enrolment.next_position
        JOIN campaigns_campaign message ON message.id = step.message_id
        JOIN campaigns_subscriber person ON person.id = enrolment.subscriber_id
        JOIN (VALUES (%(sms)s), (%(email)s)) AS medium(name)
            ON message.media IN (medium.name, %(both)s) AND person.preferred_media IN (medium.name, %(both)s)
        JOIN unnest(%(messages)s::bigint[], %(zones)s::text[], %(moments)s::timestamptz[])
            AS moment(message_id, time_zone, at)
            ON moment.message_id = step.message_id AND moment.time_zone = person.time_zone
        WHERE enrolment.journey_id = ANY(%(journeys)s) AND enrolment.status = %(active)s
            AND enrolment.next_due_at <= %(now)s
    """  # noqa: S608 - our own column names
    params = {
        "pending": DeliveryStatus.PENDING,
        "now": now,
        "sms": Medium.SMS,
        "email": Medium.EMAIL,
        "both": MediaPreference.BOTH,
        "messages": messages,
        "zones": zones,
        "moments": moments,
        "journeys": [journey.pk for journey in journeys_],
        "active": EnrolmentStatus.ACTIVE,
    }
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        select, select_params = ledger().values(*LEDGER_COLUMNS).query.sql_with_params()
        cursor.execute(
            f"SELECT count(*) FROM (({select}) EXCEPT ALL (SELECT {names} FROM bench_ledger)) AS extra",  # noqa: S608
            select_params,
        )
        extra = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT count(*) FROM ((SELECT {names} FROM bench_ledger) EXCEPT ALL ({select})) AS missing",  # noqa: S608
            select_params,
        )
        missing = cursor.fetchone()[0]
    if extra or missing:
        raise SystemExit(f"The baseline wrote other rows than the tick: {extra} extra, {missing} missing")
    ledger().order_by()._raw_delete(ledger().db)
    vacuum()
    return elapsed


def baseline_insert_select() -> float:
    """The floor for writing: the same rows copied back by one INSERT ... SELECT, in one transaction."""
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
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each; the fastest counts")
    arguments = parser.parse_args()
    ensure_database()
    setup_django()
    from django.utils import timezone

    cleanup()
    try:
        started = time.perf_counter()
        common.create_employees(arguments.people, email_domain=BENCH_EMAIL_DOMAIN)
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

        ticks = [tick_everyone(journeys_, now) for _ in range(arguments.repeat)]
        seconds, ticked, grown = min(ticks, key=lambda run: run[0])
        print(
            f"tick with everyone due: {ticked.queued} rows queued in {seconds:.2f} s "
            f"({ticked.queued / seconds:.0f} rows/s; "
            f"of {len(ticks)}: {seconds_of([run[0] for run in ticks])})"
        )
        print(f"  {ticked}; sending tasks purged unsent; resident peak +{grown:.1f} MB")

        copied = snapshot_ledger()  # the last tick's rows
        assert copied == ticks[-1][1].queued, (copied, ticks[-1][1].queued)
        bases = [baseline_from_enrolments(journeys_, now) for _ in range(arguments.repeat)]
        floors = [baseline_insert_select() for _ in range(arguments.repeat)]
        bulk = baseline_bulk_create()
        print(
            f"baseline INSERT ... SELECT from the enrolments, the same {copied} rows: {min(bases):.2f} s "
            f"(of {len(bases)}: {seconds_of(bases)})"
        )
        print(
            f"  writing them alone (INSERT ... SELECT from a copy): {min(floors):.2f} s "
            f"(of {len(floors)}: {seconds_of(floors)})"
        )
        print(f"  bulk_create, as fanout.py's baseline: {bulk:.2f} s")
        print(f"ratio against writing them alone: {min(floors) / seconds:.2f}")
        print(f"ratio: {min(bases) / seconds:.2f}")
    finally:
        cleanup()


if __name__ == "__main__":
    main()
