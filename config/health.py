"""Health probes: liveness (is this process answering?) apart from readiness (is the whole
pipeline doing its work?), so an orchestrator restarts only what is stuck.

- /healthz/live: no dependency is asked. A web process that answers is alive; restarting it
  because PostgreSQL is down would only add a restart storm to the outage.
- /healthz/ready: the database, Redis, beat's last tick and the oldest due send, each with a
  reason; 503 when any fails. For alerts, and for an orchestrator deciding to restart beat or the
  sending workers (each container's own healthcheck asks about itself: docker-compose.yml).
- /healthz: as before, the web's own readiness: 503 when the database or the broker does not
  answer, in the same JSON. Not an alias of /healthz/ready: a load balancer (its users) would
  then take every web out of service when beat stops, though each still serves every page;
  nor of /healthz/live: monitors that alerted on a lost database would silently stop.

Answers carry check names, states and ages in seconds: never a campaign, a person or an address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import F, Max, OuterRef, QuerySet, Subquery
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_celery_beat.models import PeriodicTask

from campaigns.models import HANDED_OVER, Campaign, CampaignStatus, Delivery, DeliveryStatus

# A probe that hangs is worse than one that fails: keep every check short.
PROBE_TIMEOUT_SECONDS = 2


@dataclass(frozen=True)
class Check:
    ok: bool
    reason: str

    @property
    def state(self) -> str:
        return "ok" if self.ok else "failing"


def database_check() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            answered = cursor.fetchone() == (1,)
    except DatabaseError:
        answered = False
    return Check(True, "answers") if answered else Check(False, "unreachable")


def redis_check() -> Check:
    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_connect_timeout=PROBE_TIMEOUT_SECONDS,
        socket_timeout=PROBE_TIMEOUT_SECONDS,
    )
    try:
        answered = bool(client.ping())
    except redis.RedisError:
        answered = False
    finally:
        client.close()
    return Check(True, "answers") if answered else Check(False, "unreachable")


def seconds_since(moment: datetime, now: datetime) -> int:
    return max(0, int((now - moment).total_seconds()))


def beat_check(now: datetime) -> Check:
    """Beat's last tick: the latest run django-celery-beat recorded of any enabled entry. The
    minute jobs make it at most a few minutes old while beat runs."""
    last_run = PeriodicTask.objects.filter(enabled=True).aggregate(last=Max("last_run_at"))["last"]
    if last_run is None:
        return Check(False, "beat has never run a scheduled task")
    age = seconds_since(last_run, now)
    if age > settings.HEALTH_BEAT_MAX_AGE_SECONDS:
        return Check(False, f"last scheduled run {age} s ago")
    return Check(True, f"last scheduled run {age} s ago")


def sending_campaigns_oldest_due(now: datetime) -> QuerySet[Campaign]:
    """Each sending campaign with when its longest-waiting due send fell due: one step down the
    delivery_due index (campaign, status, not_before) per campaign, and sending campaigns are few.
    Paused campaigns' rows wait on purpose; rows outside working hours are not due yet."""
    oldest_of_campaign = (
        Delivery.objects.filter(campaign=OuterRef("pk"), status=DeliveryStatus.PENDING, not_before__lte=now)
        .order_by("not_before")
        .values("not_before")[:1]
    )
    sending = Campaign.objects.filter(status=CampaignStatus.SENDING)
    return sending.annotate(oldest=Subquery(oldest_of_campaign))


def oldest_due_send(now: datetime) -> datetime | None:
    campaigns = sending_campaigns_oldest_due(now).order_by(F("oldest").asc(nulls_last=True))
    return campaigns.values_list("oldest", flat=True).first()


def sent_or_claimed_since(moment: datetime) -> bool:
    """Anything handed to a provider or claimed by a worker since then (the delivery_sent and
    delivery_claims indexes): a worker is at it. A claim's time is its lease, renewed every second."""
    return (
        Delivery.objects.filter(status__in=HANDED_OVER, sent_at__gte=moment).exists()
        or Delivery.objects.filter(status=DeliveryStatus.CLAIMED, claimed_at__gte=moment).exists()
    )


def sending_check(now: datetime) -> Check:
    """Stuck: a send has been due for longer than the threshold and nothing went out meanwhile.
    Not by age alone: at a long code's one text a second, a big campaign's last rows wait hours
    while every worker is busy with the rows before them."""
    oldest = oldest_due_send(now)
    if oldest is None:
        return Check(True, "nothing due")
    age = seconds_since(oldest, now)
    threshold = settings.HEALTH_SENDING_STUCK_SECONDS
    if age <= threshold:
        return Check(True, f"oldest due send waiting {age} s")
    if sent_or_claimed_since(now - timedelta(seconds=threshold)):
        return Check(True, f"oldest due send waiting {age} s; sends are going out")
    return Check(False, f"oldest due send waiting {age} s; nothing sent for {threshold} s")


def readiness_checks() -> dict[str, Check]:
    """Each check in turn; the later ones read the database, so they wait for it to answer."""
    now = timezone.now()
    checks = {"database": database_check()}
    if settings.REDIS_URL:
        checks["redis"] = redis_check()
    unknown = Check(False, "needs the database")
    if settings.HEALTH_CHECK_BEAT:
        checks["beat"] = beat_check(now) if checks["database"].ok else unknown
    checks["sending"] = sending_check(now) if checks["database"].ok else unknown
    return checks


def answer(checks: dict[str, Check]) -> JsonResponse:
    healthy = all(check.ok for check in checks.values())
    return JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            "checks": {
                name: {"status": check.state, "reason": check.reason} for name, check in checks.items()
            },
        },
        status=200 if healthy else 503,
    )


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": database_check()}
    if settings.REDIS_URL:
        checks["broker"] = redis_check()
    healthy = all(check.ok for check in checks.values())
    return JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            "checks": {name: "ok" if check.ok else "unreachable" for name, check in checks.items()},
        },
        status=200 if healthy else 503,
    )


@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    return answer(readiness_checks())
