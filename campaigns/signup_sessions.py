"""What a sign-up keeps in the visitor's session, and for how long.

Typed details (name, department, topics...) wait in the session until the code or link proves the
address, never on anyone's record. They expire with the code, are dropped when the sign-up
completes, and an erasure removes them from every session, not only the erased person's browser.
Sessions live in the database (Django's default engine), so erasure can reach them.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from campaigns.models import Subscriber

# The sign-up waits as long as its code is valid, and no longer.
PENDING_LIFETIME = timedelta(minutes=10)
PENDING_KEY = "signup_pending"
# The page to start again from (/join/ or a personal invitation link).
START_KEY = "signup_start"


def clear_expired() -> int:
    """Delete sessions past their expiry: an expired sign-up session still holds what was typed."""
    deleted, _ = Session.objects.filter(expire_date__lte=timezone.now()).delete()
    return deleted


@transaction.atomic
def forget_pending_for(subscriber: Subscriber) -> int:
    """Remove every pending sign-up for the subscriber's addresses from every session; how many."""
    clear_expired()
    hashes = {h for h in (subscriber.phone_hash, subscriber.email_hash) if h}
    store = SessionStore()
    forgotten = 0
    for session in Session.objects.select_for_update():
        data = store.decode(session.session_data)
        pending = data.get(PENDING_KEY) or {}
        if hashes & {pending.get("phone_hash"), pending.get("email_hash")}:
            data.pop(PENDING_KEY)
            data.pop(START_KEY, None)
            session.session_data = store.encode(data)
            session.save(update_fields=["session_data"])
            forgotten += 1
    return forgotten
