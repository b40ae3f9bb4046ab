"""allauth's adapters, shaped for a curation team of two: no self sign-up, every attempt audited,
and the organisation's IdP groups deciding a single-sign-on curator's role on every sign-in."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import redirect

from accounts.models import SignInOutcome
from accounts.services import account_key, apply_idp_roles, record_sign_in, roles_for_idp_groups

NOT_A_CURATOR = (
    "Your organisation's sign-in worked, but your account is in neither curator group, so it "
    "cannot use the curation admin. Ask your IT team to add you to the curators' group."
)


def _typed_login(credentials: dict[str, Any]) -> str:
    return str(credentials.get("email") or credentials.get("username") or "")


class CuratorAccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": (
            "Too many failed sign-in attempts for this account or from this address. "
            "Wait 15 minutes and try again; the attempts have been recorded."
        ),
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Curators are added by an internal curator (or arrive through the IdP), never by themselves."""
        return False

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """Failures count per account, however it was named: allauth keys them by the text typed,
        so guesses alternating a curator's username and email would get twice the tries."""
        return account_key(_typed_login(credentials))

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            record_sign_in(
                request=request,
                outcome=SignInOutcome.THROTTLED,
                login=_typed_login(credentials),
                method="password",
            )
            raise

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        record_sign_in(
            request=request, outcome=SignInOutcome.FAILURE, login=_typed_login(credentials), method="password"
        )


class CuratorSocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        """The IdP vouches for its people: a member of a curator group gets an account here."""
        return True

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        """Every sign-in re-reads the groups: someone moved or removed at the IdP changes here too."""
        roles = roles_for_idp_groups(_idp_groups(sociallogin))
        user = sociallogin.user
        if sociallogin.is_existing:
            apply_idp_roles(user=user, roles=roles)
        if not roles:
            record_sign_in(
                request=request,
                outcome=SignInOutcome.SSO_REFUSED,
                login=user.email or user.username,
                user=user if sociallogin.is_existing else None,
                method="sso",
                detail="in neither curator group",
            )
            messages.error(request, NOT_A_CURATOR)
            raise ImmediateHttpResponse(redirect(settings.LOGIN_URL))

    def save_user(self, request: HttpRequest, sociallogin: SocialLogin, form: Any = None):
        user = super().save_user(request, sociallogin, form)
        apply_idp_roles(user=user, roles=roles_for_idp_groups(_idp_groups(sociallogin)))
        return user

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: str | None = None,
        exception: Exception | None = None,
        extra_context: dict[str, Any] | None = None,
    ) -> None:
        """A refused ID token (forged, expired, for another client) or an IdP error, audited."""
        record_sign_in(
            request=request,
            outcome=SignInOutcome.SSO_REFUSED,
            method="sso",
            detail=f"{error or 'error'}: {exception or ''}",
        )


def _idp_groups(sociallogin: SocialLogin) -> set[str]:
    """The groups claim from the ID token and from userinfo (IdPs put it in either)."""
    claim = settings.OIDC_GROUPS_CLAIM
    groups: set[str] = set()
    for source in ("id_token", "userinfo"):
        value = (sociallogin.account.extra_data.get(source) or {}).get(claim) or []
        groups.update([value] if isinstance(value, str) else value)
    return groups
