"""A campaign to N recipients through a real Celery worker and a zero-latency fake provider,
beside bulk-inserting the same ledger rows: how close sending comes to the cost of writing.

Needs PostgreSQL and Redis: BENCH_DATABASE_URL / BENCH_REDIS_URL (else DATABASE_URL / REDIS_URL,
else the local services CI uses). The database is created and migrated if missing; the
`curation` and `test_curation` databases are refused, since the tests own them.

    .venv/bin/python benchmarks/fanout.py                     # 100,000 recipients
    .venv/bin/python benchmarks/fanout.py --recipients 5000   # a quick look

Texts first (one Delivery per recipient), so both sides write the same rows. Prints the
figures, `ratio: <baseline / fanout>` (goal >= 0.5) and the worker's peak memory. Then the same
recipients by WhatsApp (an approved template, its variables filled per person), measured the same
way beside texts: `whatsapp ratio:` and WhatsApp's messages per second against texts'.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import common  # noqa: E402 - after the path is set
from config import queues  # noqa: E402

PYTHON = sys.executable
BENCH_EMAIL_DOMAIN = "fanout.bench.example"  # how this benchmark's employees are found again
TIMEOUT_SECONDS = 240
# As the brief for this benchmark, but logging at info: the worker's " ready." line is how we
# know it is listening before the clock starts. Every queue (config/queues.py), as the one
# default queue was before the queues were split.
WORKER_OPTIONS = (
    *("--concurrency", "2", "--pool", "prefork", "-Q", ",".join(queues.ALL)),
    *("--without-heartbeat", "--without-gossip", "--without-mingle"),
)

DATABASE_URL = common.database_url()
ENV = common.sending_env(
    DATABASE_URL,
    # Nothing but the pipeline may hold a text back: no rate limit either.
    SMS_RATE_PER_SECOND="1000000",
    EMAIL_RATE_PER_SECOND="1000000",
    WHATSAPP_RATE_PER_SECOND="1000000",
    WHATSAPP_BACKEND="benchmarks.null_sms.NullWhatsAppBackend",
)


def ensure_database() -> None:
    common.ensure_database(DATABASE_URL, ENV)


def setup_django() -> None:
    common.setup_django(ENV)


def cleanup() -> None:
    """Remove what this benchmark wrote (also what an interrupted run left behind)."""
    from campaigns.models import Campaign, ConsentEvent, Subscriber

    Campaign.objects.filter(slug__startswith="bench-fanout").delete()  # with its deliveries and links
    people = Subscriber.objects.filter(email__endswith=f"@{BENCH_EMAIL_DOMAIN}")
    # Raw deletes: simple_history would otherwise load and log 100,000 employees one by one.
    ConsentEvent.objects.filter(subscriber__in=people)._raw_delete(ConsentEvent.objects.db)
    people._raw_delete(Subscriber.objects.db)


def bench_campaign():
    """A draft texting everyone a link to a live blog post."""
    from django.contrib.auth import get_user_model

    from campaigns.models import Campaign, MediaPreference, Segment

    placement = common.live_blog_post(
        url="https://blog.fanout.bench.example/", name="Bench blog", title="Bench post"
    )
    campaign = Campaign.objects.create(
        name="Bench fanout",
        slug=f"bench-fanout-{int(time.time())}",
        media=MediaPreference.SMS,
        sms_text="Hi {first_name}, 3 minutes on giving feedback: {links}",
    )
    campaign.placements.set([placement])
    campaign.segments.set([Segment.objects.get_or_create(name="Everyone")[0]])
    user = get_user_model().objects.filter(username="bench-launcher").first()
    if user is None:
        user = get_user_model().objects.create_superuser("bench-launcher", password=None)
    return campaign, user


def whatsapp_campaign(placement_campaign, subscriber_ids: list[int]):
    """The same people, now also subscribed on WhatsApp by their own choice, and a draft sending
    them the approved template with the same link."""
    from django.db import transaction

    from campaigns.hashing import address_hash
    from campaigns.models import Campaign, ConsentState, MediaPreference, Medium, Segment, Subscriber
    from campaigns.whatsapp.console import DEMO_TEMPLATES
    from campaigns.whatsapp.templates import save_template

    with transaction.atomic():
        people = list(Subscriber.objects.filter(pk__in=subscriber_ids).only("pk", "phone"))
        for person in people:
            person.whatsapp_hash = address_hash(Medium.WHATSAPP, person.phone)
            person.whatsapp_state = ConsentState.SUBSCRIBED
            person.preferred_media = MediaPreference.ALL
        Subscriber.objects.bulk_update(
            people, ["whatsapp_hash", "whatsapp_state", "preferred_media"], batch_size=5000
        )
    campaign = Campaign.objects.create(
        name="Bench fanout by WhatsApp",
        slug=f"{placement_campaign.slug}-whatsapp",
        media=MediaPreference.WHATSAPP,
        whatsapp_template=save_template(DEMO_TEMPLATES[0]),
        whatsapp_variables={"1": "first_name", "2": "links"},
    )
    campaign.placements.set(placement_campaign.placements.all())
    everyone, _ = Segment.objects.get_or_create(name="Everyone, any medium", medium=MediaPreference.ALL)
    campaign.segments.set([everyone])
    return campaign


def baseline(campaign, subscriber_ids: list[int], medium: str = "sms") -> float:
    """The floor: the ledger rows launch writes, bulk-inserted in one transaction, then removed."""
    from django.db import transaction
    from django.utils import timezone

    from campaigns.models import Delivery, DeliveryStatus, Medium

    started = time.perf_counter()
    with transaction.atomic():
        now = timezone.now()
        Delivery.objects.bulk_create(
            (
                Delivery(
                    campaign=campaign,
                    subscriber_id=subscriber_id,
                    medium=Medium(medium),
                    occurrence=1,
                    not_before=now,
                    status=DeliveryStatus.PENDING,
                )
                for subscriber_id in subscriber_ids
            ),
            batch_size=5000,
        )
    elapsed = time.perf_counter() - started
    Delivery.objects.filter(campaign=campaign)._raw_delete(Delivery.objects.db)
    return elapsed


class Worker:
    """`celery worker` in its own process group, so its pool can be measured and stopped."""

    def __init__(self) -> None:
        self.log = Path(tempfile.mkstemp(prefix="fanout-worker-", suffix=".log")[1])
        self.process: subprocess.Popen | None = None

    def start(self) -> Worker:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [PYTHON, "-m", "celery", "-A", "config", "worker", *WORKER_OPTIONS],
                cwd=ROOT,
                # LOG_LEVEL, not --loglevel, sets the worker's level (config/celery.py).
                env={**os.environ, **ENV, "LOG_LEVEL": "INFO"},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while " ready." not in self.log.read_text(errors="replace"):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise SystemExit(f"The worker did not start:\n{self.log.read_text(errors='replace')}")
            time.sleep(0.1)
        return self

    def peak_memory_mb(self) -> float:
        """High-water resident memory (VmHWM) of the worker and its pool processes, summed."""
        pids = [self.process.pid, *children(self.process.pid)]
        return sum(vm_hwm_kb(pid) for pid in pids) / 1024

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # ended meanwhile
            # The command name may hold spaces: the fields after its closing parenthesis are fixed.
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def vm_hwm_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def fanout(
    campaign, user, expected: int, *, timeout_seconds: float = TIMEOUT_SECONDS
) -> tuple[float, float, float, dict[str, int]]:
    """Seconds from launch until no row is waiting or being sent (and of them, the launch
    itself: writing the ledger), and the worker's peak memory."""
    from django.db.models import Count

    from campaigns.models import Delivery
    from campaigns.sending import STILL_TO_GO, launch

    worker = Worker().start()
    try:
        started = time.perf_counter()
        launch(campaign=campaign, by=user)
        launched = time.perf_counter() - started
        while True:
            rows = Delivery.objects.filter(campaign=campaign)
            if rows.count() >= expected and not rows.filter(status__in=STILL_TO_GO).exists():
                break
            if time.perf_counter() - started > timeout_seconds:
                worker.stop()
                raise SystemExit(
                    f"Not finished after {timeout_seconds} s: "
                    f"{rows.filter(status__in=STILL_TO_GO).count()} of {expected} still to go.\n"
                    f"Worker log: {worker.log}"
                )
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
        peak = worker.peak_memory_mb()
    finally:
        worker.stop()
    outcomes = dict(
        Delivery.objects.filter(campaign=campaign).values_list("status").annotate(n=Count("pk")).order_by()
    )
    return elapsed, launched, peak, outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    arguments = parser.parse_args()
    ensure_database()
    setup_django()
    cleanup()
    try:
        started = time.perf_counter()
        subscriber_ids = common.create_employees(arguments.recipients, email_domain=BENCH_EMAIL_DOMAIN)
        campaign, user = bench_campaign()
        setup = time.perf_counter() - started
        print(f"recipients: {arguments.recipients} (texts, then WhatsApp; set up in {setup:.1f} s)")
        base = baseline(campaign, subscriber_ids)
        print(f"baseline bulk insert: {base:.2f} s")
        seconds, launched, peak, outcomes = fanout(campaign, user, arguments.recipients)
        print(f"fanout through the worker: {seconds:.2f} s ({arguments.recipients / seconds:.0f} messages/s)")
        print(f"  of which the launch (audience, weekly cap, ledger written): {launched:.2f} s")
        print(f"outcomes: {outcomes}")
        print(f"peak worker memory: {peak:.0f} MB (VmHWM, main process and pool summed)")
        print(f"ratio: {base / seconds:.2f}")

        whatsapp = whatsapp_campaign(campaign, subscriber_ids)
        wa_base = baseline(whatsapp, subscriber_ids, medium="whatsapp")
        print(f"whatsapp baseline bulk insert: {wa_base:.2f} s")
        wa_seconds, wa_launched, wa_peak, wa_outcomes = fanout(whatsapp, user, arguments.recipients)
        print(
            f"whatsapp fanout through the worker: {wa_seconds:.2f} s "
            f"({arguments.recipients / wa_seconds:.0f} messages/s)"
        )
        print(f"  of which the launch: {wa_launched:.2f} s")
        print(f"whatsapp outcomes: {wa_outcomes}")
        print(f"whatsapp peak worker memory: {wa_peak:.0f} MB")
        print(f"whatsapp ratio: {wa_base / wa_seconds:.2f}")
        print(f"whatsapp messages/s over texts' messages/s: {seconds / wa_seconds:.2f}")
    finally:
        cleanup()


if __name__ == "__main__":
    main()
