"""The provider's rate limit holds for all senders together, not per process.

Counts, not timings, are asserted, with a burst's worth of slack: a loaded machine may give a
process fewer tokens, never more than the bucket holds.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from campaigns import throttle
from campaigns.models import Medium
from tests.processes import run_python
from tests.workers import wait_for

RATE = 20
SECONDS = 2.0
PROCESSES = 3

# Every process, once Django is up, says it is ready and waits for the same start (which the test
# sets when all are ready: a loaded machine may take many seconds to start one), takes one token at
# a time until the same end, and prints when it got each one.
TAKE_UNTIL = """
import json, sys, time, django
django.setup()
import redis
from django.conf import settings
from campaigns import throttle
bucket = throttle.bucket("sms")
control = redis.Redis.from_url(settings.REDIS_URL)
control.incr("rate-test:ready")
_, window = control.blpop(f"rate-test:window:{sys.argv[1]}", timeout=120)
start, stop = map(float, window.split())
time.sleep(max(0, start - time.time()))
taken = []
while time.time() < stop:
    granted = bucket.take(1)  # may wait past the stop: stamped once it returns
    taken += [time.time()] * granted
print(json.dumps(taken))
"""


@pytest.mark.requires("redis")
def test_processes_sharing_the_bucket_together_stay_within_the_rate(settings):
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete("send-rate:sms", "rate-test:ready")  # a full bucket to start: the most a run can get
    env = {"REDIS_URL": settings.REDIS_URL, "SMS_RATE_PER_SECOND": str(RATE)}

    with ThreadPoolExecutor(PROCESSES) as pool:
        started = [pool.submit(run_python, TAKE_UNTIL, env, str(number)) for number in range(PROCESSES)]
        wait_for(lambda: int(client.get("rate-test:ready") or 0) == PROCESSES, timeout=100, what="the takers")
        start = time.time() + 0.5
        stop = start + SECONDS
        for number in range(PROCESSES):
            client.rpush(f"rate-test:window:{number}", f"{start} {stop}")
        runs = [run.result() for run in started]
    client.delete("send-rate:sms", "rate-test:ready")

    for run in runs:
        assert run.returncode == 0, run.stderr
    taken = [json.loads(run.stdout.strip().splitlines()[-1]) for run in runs]
    in_run = [[at for at in stamps if at <= stop] for stamps in taken]
    burst = RATE  # the bucket holds a second's worth
    total = sum(map(len, in_run))
    assert total <= RATE * SECONDS + burst + 2, f"{total} tokens in {SECONDS} s at {RATE}/s"
    assert total >= RATE * SECONDS / 2, f"only {total} tokens: the bucket starved its takers"
    assert all(in_run), f"a process got nothing: {list(map(len, in_run))}"


def test_a_bucket_grants_no_more_than_a_seconds_worth_at_once():
    bucket = throttle.LocalBucket(rate=10)

    assert bucket.take(25) == 10
    assert bucket.take(1) == 1  # after waiting for the refill


def test_threads_sharing_a_local_bucket_stay_within_the_rate():
    bucket = throttle.LocalBucket(rate=40)
    counts = [0] * 4
    stop = time.monotonic() + 0.5

    def take(index: int) -> None:
        while time.monotonic() < stop:
            counts[index] += bucket.take(1)

    threads = [threading.Thread(target=take, args=(index,)) for index in range(len(counts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # A full bucket (40) plus 0.5 s of refill (20), and the last tokens taken as time ran out.
    assert 40 <= sum(counts) <= 40 + 20 + len(counts) + 2


def test_without_redis_the_bucket_is_local_and_follows_the_rate_setting(settings):
    settings.REDIS_URL = ""
    settings.SMS_RATE_PER_SECOND = 7

    first = throttle.bucket(Medium.SMS)
    assert isinstance(first, throttle.LocalBucket)
    assert first.rate == 7
    assert throttle.bucket(Medium.SMS) is first  # one bucket per process, not one per call

    settings.SMS_RATE_PER_SECOND = 3
    assert throttle.bucket(Medium.SMS).rate == 3
