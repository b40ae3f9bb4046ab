"""Writes of curator sign-in: the audit row, and the roles an IdP's groups give."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from allauth.account.adapter import get_adapter as get_account_adapter
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db.models import Q
from django.http import HttpRequest

from accounts.models import SignInAttempt, SignInOutcome
from curation.roles import AGENCY_CURATOR, INTERNAL_CURATOR, ROLES


def address_hash(address: str | None) -> str:
    """HMAC-SHA256 of the client's address under SIGNIN_AUDIT_HASH_KEY; empty for none."""
    if not address:
        return ""
    key = settings.SIGNIN_AUDIT_HASH_KEY.encode()
    return hmac.new(key, f"signin:{address}".encode(), hashlib.sha256).hexdigest()


def account_key(login: str) -> str:
    """The key sign-in failures are counted under: the account a username or email names, or the
    text itself when it names none (so guessing at unknown names is limited the same way)."""
    login = login.strip()
    account = (
        get_user_model()
        .objects.filter(Q(username__iexact=login) | Q(email__iexact=login))
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
        if login
        else None
    )
    return f"account:{account}" if account else f"login:{login.lower()}"


def record_sign_in(
    *,
    request: HttpRequest | None,
    outcome: SignInOutcome,
    login: str = "",
    user: AbstractBaseUser | None = None,
    method: str = "",
    detail: str = "",
) -> SignInAttempt:
    # The address as allauth's rate limits see it (ALLAUTH_TRUSTED_CLIENT_IP_HEADER behind a proxy).
    address = get_account_adapter().get_client_ip(request) if request is not None else None
    return SignInAttempt.objects.create(
        outcome=outcome,
        login=(login or getattr(user, "username", "") or "")[:150],
        user=user if user is not None and user.pk else None,
        method=method[:30],
        address_hash=address_hash(address),
        detail=detail[:200],
    )


def roles_for_idp_groups(groups: Iterable[str]) -> list[str]:
    """The curator roles an IdP's groups give; internal wins over agency, as in curation.roles."""
    groups = set(groups)
    if groups & set(settings.OIDC_INTERNAL_CURATOR_GROUPS):
        return [INTERNAL_CURATOR]
    if groups & set(settings.OIDC_AGENCY_CURATOR_GROUPS):
        return [AGENCY_CURATOR]
    return []


def apply_idp_roles(*, user: AbstractBaseUser, roles: list[str]) -> None:
    """Make the user's curator roles exactly `roles` (other groups untouched); staff while any."""
    user.groups.remove(*Group.objects.filter(name__in=ROLES).exclude(name__in=roles))
    user.groups.add(*Group.objects.filter(name__in=roles))
    user.is_staff = bool(roles)
    user.save(update_fields=["is_staff"])
