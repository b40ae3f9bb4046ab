"""Keyed hashes of phone numbers and emails: how suppression remembers without keeping them."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings


def normalise_email(email: str) -> str:
    return email.strip().lower()


def address_hash(medium: str, address: str) -> str:
    """HMAC-SHA256 of the canonical address; empty for no address. `medium` is "sms" or "email"."""
    if not address:
        return ""
    canonical = normalise_email(address) if medium == "email" else address.strip()
    key = settings.SUPPRESSION_HASH_KEY.encode()
    return hmac.new(key, f"{medium}:{canonical}".encode(), hashlib.sha256).hexdigest()
