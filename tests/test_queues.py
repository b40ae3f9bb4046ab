"""Every task has a queue on purpose (config/queues.py), and every queue has a worker."""

from __future__ import annotations

import re

import pytest
import redis
from django.conf import settings

from config import queues
from config.celery import app
from tests.processes import PROJECT_ROOT
from tests.workers import RedisServer

OUR_APPS = ("accounts.", "analytics.", "campaigns.", "channels.", "curation.", "config.")


def our_tasks() -> list[str]:
    app.loader.import_default_modules()  # every app's tasks.py, as a worker imports them
    return sorted(name for name in app.tasks if name.startswith(OUR_APPS))


def queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


def test_every_task_of_ours_has_an_explicit_route_to_a_known_queue():
    tasks = our_tasks()

    assert "campaigns.tasks.send_deliveries" in tasks  # the registry was read, not empty
    unrouted = [name for name in tasks if name not in settings.CELERY_TASK_ROUTES]
    assert unrouted == [], "give these a queue in config/queues.py"
    assert {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()} <= set(queues.ALL)


def test_sends_and_what_keeps_them_moving_never_share_a_queue_with_syncs():
    assert queue_of("campaigns.tasks.send_deliveries") == queues.SENDING
    assert queue_of("campaigns.tasks.reconcile_deliveries") == queues.SENDING
    assert queue_of("campaigns.tasks.release_scheduled_campaigns") == queues.SENDING
    assert queue_of("campaigns.tasks.start_signup") == queues.RECEIPTS
    assert queue_of("analytics.tasks.run_sync_task") == queues.SYNCS
    assert queue_of("curation.tasks.check_links") == queues.SYNCS
    assert queue_of("campaigns.tasks.clear_expired_sessions") == queues.HOUSEKEEPING
    assert queue_of("campaigns.tasks.apply_retention") == queues.HOUSEKEEPING


def test_a_task_nobody_routed_lands_on_housekeeping():
    assert queue_of("campaigns.tasks.a_task_added_tomorrow") == queues.HOUSEKEEPING


@pytest.mark.requires("redis")
@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")  # published on purpose
def test_a_published_task_waits_in_its_own_queue_only():
    server = RedisServer().start()
    try:
        with app.connection_for_write(server.url) as connection:
            app.send_task("campaigns.tasks.send_deliveries", args=(1,), connection=connection)
            app.send_task("analytics.tasks.run_sync_task", args=(1,), connection=connection)
            app.send_task("campaigns.tasks.start_signup", connection=connection)
        client = redis.Redis.from_url(server.url)
        waiting = {name: client.llen(name) for name in (*queues.ALL, "celery")}
    finally:
        server.kill()

    assert waiting == {"sending": 1, "receipts": 1, "syncs": 1, "housekeeping": 0, "celery": 0}


def compose_worker_queues() -> dict[str, set[str]]:
    """Each compose service's `-Q` list, read from its command line."""
    text = (PROJECT_ROOT / "docker-compose.yml").read_text()
    services = re.split(r"\n  (?=[a-z][\w-]*:\n)", text.split("\nservices:\n", 1)[1])
    found = {}
    for service in services:
        name = service.split(":", 1)[0].strip()
        listed = re.search(r'"-Q"[,\s-]*"([\w,]+)"', service)
        if listed:
            found[name] = set(listed.group(1).split(","))
    return found


def test_docker_compose_runs_a_worker_for_every_queue_and_keeps_sends_apart_from_syncs():
    workers = compose_worker_queues()

    assert set().union(*workers.values()) == set(queues.ALL)
    assert workers["worker-send"] == {queues.SENDING, queues.RECEIPTS}
    assert workers["worker-sync"] == {queues.SYNCS, queues.HOUSEKEEPING}
