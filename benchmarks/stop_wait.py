"""How long a STOP waits for a send in progress: the inbound webhook's service committing an
opt-out for the next employee in line while a real Celery worker texts a campaign at the
provider's rate (through the real Twilio client to the loopback fake), against the same
opt-out with nothing sending.

Needs PostgreSQL and Redis: BENCH_DATABASE_URL / BENCH_REDIS_URL (else DATABASE_URL / REDIS_URL,
else the local services CI uses). The `curation` and `test_curation` databases are refused.

    .venv/bin/python benchmarks/stop_wait.py                  # a long code: one text a second
    .venv/bin/python benchmarks/stop_wait.py --rate 3 --tries 10

Prints every wait, the longest, the baseline and `ratio: <baseline / longest>`. Before the
rate-limit tokens were taken ahead of the recipients' locks a STOP waited up to a token's
interval (0.7 to 2.3 s at one text a second); the promise is about a second at most.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import common  # noqa: E402 - after the path is set

BENCH_EMAIL_DOMAIN = "stop-wait.bench.example"  # how this benchmark's employees are found again
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
    or "redis://127.0.0.1:6379/13",
    "SECRET_KEY": "benchmark-only-secret-key-not-used-anywhere-else-0123456789",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "LOG_LEVEL": "WARNING",
    "SMS_BACKEND": "campaigns.sms.twilio.TwilioBackend",
    "CAMPAIGN_WEEKLY_CAP": "1000000",
    "SEND_WINDOW_DAYS": "0,1,2,3,4,5,6",
    "SEND_WINDOW_START": "00:00",
    "SEND_WINDOW_END": "00:00",  # end <= start: the window runs all day
    "PYTHONPATH": str(ROOT),
}


def setup_django(fake_url: str, rate: float) -> None:
    from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, MESSAGING_SERVICE_SID

    ENV.update(
        TWILIO_API_BASE_URL=fake_url,
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_MESSAGING_SERVICE_SID=MESSAGING_SERVICE_SID,
        SMS_RATE_PER_SECOND=str(rate),
    )
    os.environ.update(ENV)
    import django

    django.setup()


def cleanup() -> None:
    """Remove what this benchmark wrote (also what an interrupted run left behind)."""
    from campaigns.models import Campaign, ConsentEvent, Subscriber

    Campaign.objects.filter(slug__startswith="bench-stop-wait").delete()  # with its deliveries
    people = Subscriber.objects.filter(email__endswith=f"@{BENCH_EMAIL_DOMAIN}")
    ConsentEvent.objects.filter(subscriber__in=people)._raw_delete(ConsentEvent.objects.db)
    people._raw_delete(Subscriber.objects.db)


def stop(phone: str) -> float:
    """Seconds until the inbound webhook's service has committed the STOP from `phone`."""
    from campaigns.inbound import handle_inbound_sms

    started = time.perf_counter()
    handle_inbound_sms(sender=phone, body="STOP", message_sid=f"SM{phone[1:]:0>32}")
    return time.perf_counter() - started


def next_in_line():
    """Whoever the worker is about to text: a claimed row first, else the first waiting one."""
    from campaigns.models import Delivery, DeliveryStatus

    for status in (DeliveryStatus.CLAIMED, DeliveryStatus.PENDING):
        row = Delivery.objects.filter(status=status, campaign__slug__startswith="bench-stop-wait")
        row = row.order_by("not_before", "pk").select_related("subscriber").first()
        if row:
            return row.subscriber
    return None


def waits_during_send(fake, rate: float, tries: int) -> list[float]:
    """Each try: a text goes, then at a random moment before the next token the STOP comes."""
    from campaigns.sending import launch
    from tests.factories import subscribed_employees
    from tests.workers import CeleryWorker, wait_for

    subscribed_employees(int(rate * 4 * (tries + 2)) + 10, email_domain=BENCH_EMAIL_DOMAIN)
    campaign, user = bench_campaign()
    worker = CeleryWorker(ENV).start()
    waits = []
    try:
        launch(campaign=campaign, by=user)
        for _ in range(tries):
            seen = len(fake.messages)
            wait_for(lambda n=seen: len(fake.messages) > n, timeout=60, what="the next text")
            time.sleep(random.uniform(0.1, 0.9) / rate)
            person = next_in_line()
            if person is None:
                break
            waits.append(stop(person.phone))
    finally:
        worker.stop()
    return waits


def bench_campaign():
    """The fan-out benchmark's campaign (a link to a live blog post, to everyone), named as ours."""
    from benchmarks.fanout import bench_campaign as fanout_campaign

    campaign, user = fanout_campaign()
    campaign.slug = f"bench-stop-wait-{int(time.time())}"
    campaign.save(update_fields=["slug"])
    return campaign, user


def baseline(tries: int) -> float:
    """The same STOP with nothing sending: its median."""
    from tests.factories import subscribed_employees

    people = subscribed_employees(tries, email_domain=BENCH_EMAIL_DOMAIN)
    return statistics.median(stop(person.phone) for person in people)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=1.0, help="texts a second (a long code: 1)")
    parser.add_argument("--tries", type=int, default=5)
    arguments = parser.parse_args()
    from tests.fakes.twilio import FakeTwilio

    fake = FakeTwilio().start()
    common.ensure_database(DATABASE_URL, ENV)
    setup_django(fake.url, arguments.rate)
    cleanup()
    try:
        waits = waits_during_send(fake, arguments.rate, arguments.tries)
        base = baseline(arguments.tries)
        print(
            f"rate: {arguments.rate:g} texts/s; STOP waits during the send: "
            + ", ".join(f"{w:.3f}" for w in waits)
        )
        print(f"longest STOP wait: {max(waits):.3f} s (median {statistics.median(waits):.3f} s)")
        print(f"baseline, nothing sending: {base:.3f} s")
        print(f"ratio: {base / max(waits):.2f}")
    finally:
        cleanup()
        fake.stop()


if __name__ == "__main__":
    main()
