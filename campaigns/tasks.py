"""Celery tasks: thin, taking ids, each calling one service. All are safe to run twice."""

from __future__ import annotations

from celery import shared_task

from campaigns import journey_schedule, retention, sending, signup, signup_sessions, tracking, voice
from campaigns.team_channels import services as team_posting


@shared_task(ignore_result=True, expires=50)
def flush_link_clicks() -> int:
    """Every minute (beat): tracked-link click totals from Redis into LinkClickDay."""
    return tracking.flush_clicks()


@shared_task(ignore_result=True)
def send_deliveries(campaign_id: int) -> int:
    """Send a campaign's due deliveries in batches; a run twice claims different rows, or none."""
    return sending.send_due(campaign_id=campaign_id)


@shared_task(ignore_result=True, expires=50)
def release_scheduled_campaigns() -> int:
    """Every minute (beat): start the campaigns whose send time has come."""
    return sending.release_due_campaigns()


@shared_task(ignore_result=True, expires=50)
def reconcile_deliveries() -> None:
    """Every minute (beat): settle claims whose worker vanished; keep due sends moving."""
    sending.reconcile()


@shared_task(ignore_result=True, expires=int(signup.CODE_LIFETIME.total_seconds()))
def start_signup(**request: object) -> None:
    """Record a sign-up and send its code or link: queued by /join/, so known and unknown cost it the same."""
    signup.start_signup(request=signup.SignupRequest(**request))


@shared_task(ignore_result=True, expires=50)
def clear_expired_sessions() -> int:
    """Every ten minutes (beat): expired sign-up sessions still hold what was typed; delete them."""
    return signup_sessions.clear_expired()


@shared_task(ignore_result=True, expires=3600)
def forget_expired_voice_receipts() -> int:
    """Daily (beat): delete receipts whose answer's window has closed; then nothing links a vote to anyone."""
    return voice.forget_expired()


@shared_task(ignore_result=True, expires=50)
def run_journeys() -> None:
    """Every minute (beat): take people onto journeys, and queue every step that has fallen due."""
    journey_schedule.tick()


@shared_task(ignore_result=True)
def post_team_posts(campaign_id: int) -> None:
    """A send's Teams and Slack posts; a run twice finds them claimed or posted, and posts nothing."""
    team_posting.post_due(campaign_id=campaign_id)


@shared_task(ignore_result=True, expires=50)
def post_due_team_posts() -> None:
    """Every minute (beat): team posts whose retry is due; claims whose worker vanished, settled."""
    team_posting.post_due()


@shared_task(ignore_result=True, expires=3600)
def apply_retention() -> int:
    """Daily (beat, housekeeping queue): old deliveries lose contact data, then go; old daily figures go."""
    return sum(pruned.rows for pruned in retention.apply_retention())
