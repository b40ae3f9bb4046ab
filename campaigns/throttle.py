"""The provider's rate limit, shared by every worker: a token bucket in Redis.

Celery's own rate_limit is per worker, so two workers would send at twice the provider's
limit and meet 20429s. Tokens are taken in bulk (as many as a batch needs and the bucket holds)
so a fast provider costs one Redis round trip per batch, not one per message.
"""

from __future__ import annotations

import threading
import time

import redis
from django.conf import settings

from campaigns.models import Medium
from ops import counters

# KEYS[1]: the bucket. ARGV: rate per second, burst, tokens wanted.
# Returns the tokens granted and, when none were, how many milliseconds until one is.
TAKE = """
local now = redis.call('TIME')
now = tonumber(now[1]) + tonumber(now[2]) / 1000000
local rate, burst, wanted = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(state[1]) or burst, tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local granted = math.min(wanted, math.floor(tokens))
tokens = tokens - granted
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 60)
local wait = 0
if granted == 0 then wait = math.ceil((1 - tokens) / rate * 1000) end
return {granted, wait}
"""


def rate_per_second(medium: str) -> float:
    if medium == Medium.SMS:
        return settings.SMS_RATE_PER_SECOND or settings.SMS_SENDER_RATES[settings.SMS_SENDER_TYPE]
    if medium == Medium.WHATSAPP:
        return settings.WHATSAPP_RATE_PER_SECOND
    return settings.EMAIL_RATE_PER_SECOND


class RedisBucket:
    def __init__(self, client: redis.Redis, key: str, rate: float, *, medium: str = "") -> None:
        self.client, self.key, self.rate, self.medium = client, key, rate, medium
        self.burst = max(1, int(rate))  # at most a second's worth at once
        self.script = client.register_script(TAKE)

    def take(self, wanted: int) -> int:
        """Block until at least one token is free; return how many (up to `wanted`) were taken."""
        while True:
            granted, wait_ms = self.script(keys=[self.key], args=[self.rate, self.burst, wanted])
            if granted:
                return int(granted)
            counters.count_rate_limit_wait(self.medium, wait_ms / 1000)
            time.sleep(wait_ms / 1000)


class LocalBucket:
    """The embedded default's bucket: one process, so a lock is enough."""

    def __init__(self, rate: float, *, medium: str = "") -> None:
        self.rate, self.burst, self.medium = rate, max(1, int(rate)), medium
        self.tokens, self.at = float(self.burst), time.monotonic()
        self.lock = threading.Lock()

    def take(self, wanted: int) -> int:
        while True:
            with self.lock:
                now = time.monotonic()
                self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
                self.at = now
                granted = min(wanted, int(self.tokens))
                self.tokens -= granted
                wait = (1 - self.tokens) / self.rate
            if granted:
                return granted
            counters.count_rate_limit_wait(self.medium, wait)
            time.sleep(wait)


_local: dict[str, LocalBucket] = {}
_clients: dict[str, redis.Redis] = {}


def bucket(medium: str) -> RedisBucket | LocalBucket:
    rate = rate_per_second(medium)
    if not settings.REDIS_URL:
        if medium not in _local or _local[medium].rate != rate:
            _local[medium] = LocalBucket(rate, medium=medium)
        return _local[medium]
    if settings.REDIS_URL not in _clients:
        _clients[settings.REDIS_URL] = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2
        )
    return RedisBucket(_clients[settings.REDIS_URL], f"send-rate:{medium}", rate, medium=medium)
