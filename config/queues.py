"""Which Celery queue each task runs on: the one place routing is decided.

Four queues, so that work an employee or a provider is waiting on never waits behind work nobody
is waiting on. docker-compose.yml runs them as two kinds of worker, each scaled on its own:
  - sending + receipts: short, network-bound tasks (a provider call, a few milliseconds of
    database); many at once per worker.
  - syncs + housekeeping: long, database- and Google-bound tasks (minutes for a backfill); few
    at once.
A task with no route lands on HOUSEKEEPING (CELERY_TASK_DEFAULT_QUEUE), which a worker consumes,
so it runs; tests/test_queues.py fails until it is given a route here on purpose.
"""

from __future__ import annotations

from kombu import Exchange, Queue

# Campaign texts, emails, WhatsApp and team posts, and what keeps them moving. Bulk: a send task
# holds its worker for up to SEND_TASK_SECONDS at the provider's rate.
SENDING = "sending"
# Follow-ups to something that just happened: a sign-up form's code, link clicks counted,
# provider receipts and inbound messages. Each takes milliseconds; a queue of their own keeps
# them from waiting behind a campaign's long batches on the same worker (the worker takes from
# each queue in turn).
RECEIPTS = "receipts"
# GA4/YouTube syncs and backfills, link checks, the weekly review's precomputation: minutes each.
SYNCS = "syncs"
# Deleting what is no longer needed. Nobody waits for it; a retention run may take long.
HOUSEKEEPING = "housekeeping"

ALL = (SENDING, RECEIPTS, SYNCS, HOUSEKEEPING)
# Declared, so a `celery worker` started without -Q (a developer's) consumes every queue rather
# than only the default one. Each with its own exchange and key, as Celery makes a queue it was
# not told of: sharing the default's would deliver one message to every queue.
CELERY_TASK_QUEUES = tuple(Queue(name, Exchange(name), routing_key=name) for name in ALL)

CELERY_TASK_ROUTES: dict[str, dict[str, str]] = {
    name: {"queue": queue}
    for queue, names in {
        SENDING: (
            "campaigns.tasks.send_deliveries",
            "campaigns.tasks.post_team_posts",
            # Beat's minute jobs that start sends. On the sending workers, not housekeeping, so a
            # backfill on the sync workers never delays a release, a journey step or the
            # reconciler re-queueing a vanished worker's texts.
            "campaigns.tasks.release_scheduled_campaigns",
            "campaigns.tasks.run_journeys",
            "campaigns.tasks.reconcile_deliveries",
            "campaigns.tasks.post_due_team_posts",
        ),
        RECEIPTS: (
            # A person is looking at their phone for the code; never behind a campaign's batches.
            "campaigns.tasks.start_signup",
            "campaigns.tasks.flush_link_clicks",
        ),
        SYNCS: (
            "analytics.tasks.run_sync_task",
            "analytics.tasks.queue_daily_syncs",
            # Reads what the syncs wrote, after them; heavy queries, nobody waiting.
            "analytics.tasks.prepare_weekly_review",
            "analytics.tasks.send_review_digests",  # issue 18: right after the review is prepared
            "analytics.tasks.measure_due_outcomes",
            # Reads our own channels' uploads and pages from Google for the inbox: like a sync.
            "analytics.tasks.discover_owned_candidates",
            # Hundreds of outside pages at a polite pace per host: minutes, like a sync.
            "curation.tasks.check_links",
            # Curators' feeds, a polite request per site: seconds each, nobody waiting.
            "curation.tasks.poll_candidate_sources",
            "curation.tasks.poll_candidate_source",
        ),
        HOUSEKEEPING: (
            "campaigns.tasks.clear_expired_sessions",
            "campaigns.tasks.forget_expired_voice_receipts",
            # Deletes old deliveries and metrics in chunks: long, and never urgent.
            "campaigns.tasks.apply_retention",
        ),
    }.items()
    for name in names
}
