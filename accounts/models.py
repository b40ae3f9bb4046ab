from __future__ import annotations

from django.conf import settings
from django.db import models


class SignInOutcome(models.TextChoices):
    SUCCESS = "success", "Signed in"
    FAILURE = "failure", "Wrong username or password"
    THROTTLED = "throttled", "Refused: too many failed attempts"
    MFA_FAILURE = "mfa_failure", "Wrong second-factor code"
    SSO_REFUSED = "sso_refused", "Refused by single sign-on"


class SignInAttempt(models.Model):
    """One attempt to sign in as a curator, for the security team.

    The client's address is kept only as a keyed hash: attempts from one address can be
    correlated without the address itself being held.
    """

    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    outcome = models.CharField(max_length=20, choices=SignInOutcome.choices)
    login = models.CharField(max_length=150, blank=True, help_text="The username or email typed.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    method = models.CharField(max_length=30, blank=True, help_text="password, totp, webauthn, sso…")
    address_hash = models.CharField(max_length=64, blank=True, db_index=True)
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = "sign-in attempt"

    def __str__(self) -> str:
        return (
            f"{self.get_outcome_display()}: {self.login or self.user_id} at {self.occurred_at:%Y-%m-%d %H:%M}"
        )
