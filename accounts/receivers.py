"""The sign-in audit, fed by allauth's signals (success after every step, second-factor failures)."""

from __future__ import annotations

from typing import Any

from allauth.account.authentication import get_authentication_records
from allauth.account.signals import user_logged_in
from allauth.mfa.signals import authentication_failed as mfa_authentication_failed
from django.dispatch import receiver

from accounts.models import SignInOutcome
from accounts.services import record_sign_in


@receiver(user_logged_in, dispatch_uid="accounts.audit_sign_in")
def audit_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    records = get_authentication_records(request, user)
    methods = [r.get("type") or r.get("method", "") for r in records]
    record_sign_in(
        request=request,
        outcome=SignInOutcome.SUCCESS,
        user=user,
        method="+".join(m for m in methods if m) or ("sso" if kwargs.get("sociallogin") else ""),
    )


@receiver(mfa_authentication_failed, dispatch_uid="accounts.audit_mfa_failure")
def audit_mfa_failure(
    sender: Any,
    request: Any,
    user: Any,
    authenticator: Any = None,
    reauthentication: bool = False,
    **kwargs: Any,
) -> None:
    if reauthentication:  # a signed-in curator confirming a change, not a sign-in
        return
    record_sign_in(
        request=request,
        outcome=SignInOutcome.MFA_FAILURE,
        user=user,
        method=getattr(authenticator, "type", "") or "mfa",
    )
