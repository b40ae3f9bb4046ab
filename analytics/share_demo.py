"""The demo's shared review link: `make demo` prints one, so the stakeholders' view is a click away.

Only a digest of a link's token is stored, so a link cannot be shown again: each demo load revokes
the previous demo link and makes a fresh one (no password, 30 days, every section).
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import OutputWrapper

from analytics import sharing
from analytics.clock import today
from analytics.models import ReviewSection, ReviewShare

DEMO_LABEL = "Demo: the programme's stakeholders"


def load_shared_link(*, stdout: OutputWrapper | None = None) -> str:
    """Make the demo's link and return it (printed to `stdout` when given)."""
    for old in ReviewShare.objects.filter(label=DEMO_LABEL, revoked_at=None):
        sharing.revoke_share(share=old)
    _share, token = sharing.create_share(
        label=DEMO_LABEL,
        sections=ReviewSection.values,
        expires_on=today() + timedelta(days=sharing.DEFAULT_SHARE_DAYS),
        created_by=None,
    )
    link = sharing.share_url(token)
    if stdout is not None:
        stdout.write(f"Weekly review shared read-only (no password, 30 days): {link}")
    return link
