"""Channels' secrets at rest: Fernet-encrypted with a key derived from TEAM_CHANNEL_SECRET_KEY, or
named as an environment variable. Read only here, to post; never shown to anyone again.

A Teams Workflows address is a secret (its `sig` parameter is the whole authentication), as is a
Slack bot token. Environment variables are limited to TEAM_CHANNEL_… names, so a channel cannot
be pointed at another setting (DATABASE_URL, the encryption key) and post it somewhere.
"""

from __future__ import annotations

import base64
import os
import re

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ValidationError

from campaigns.delivery_errors import DeliveryError, DeliveryOutcome
from campaigns.models import TeamChannel

ENV_PREFIX = "TEAM_CHANNEL_"
ENV_NAME = re.compile(rf"{ENV_PREFIX}[A-Z0-9_]+", re.ASCII)
FORBIDDEN_ENV_NAMES = frozenset({"TEAM_CHANNEL_SECRET_KEY"})


def _derived(key: str) -> Fernet:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"campaigns.team_channels.secrets"
    ).derive(key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def _fernet() -> MultiFernet:
    """Encrypts with TEAM_CHANNEL_SECRET_KEY; also reads what its fallbacks (older keys) encrypted."""
    keys = [settings.TEAM_CHANNEL_SECRET_KEY, *settings.TEAM_CHANNEL_SECRET_KEY_FALLBACKS]
    return MultiFernet([_derived(key) for key in keys])


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def rotate(ciphertext: str) -> str:
    """The same secret, encrypted with the current key (InvalidToken if no key reads it)."""
    return _fernet().rotate(ciphertext.encode()).decode()


def check_env_var_name(name: str) -> str:
    if not ENV_NAME.fullmatch(name) or name in FORBIDDEN_ENV_NAMES:
        raise ValidationError(
            f"Name an environment variable starting {ENV_PREFIX} (e.g. {ENV_PREFIX}SALES_SLACK_TOKEN), "
            "in capitals: other settings cannot be used as a channel's secret."
        )
    return name


def reveal(channel: TeamChannel) -> str:
    """The secret to post with, or DeliveryError (FAILED) saying what is missing."""
    if channel.secret_env_var:
        name = channel.secret_env_var
        secret = "" if name in FORBIDDEN_ENV_NAMES else os.environ.get(name, "").strip()
        if not secret:
            raise DeliveryError(
                f"The environment variable {channel.secret_env_var} is not set on this server.",
                outcome=DeliveryOutcome.FAILED,
            )
        return secret
    if not channel.secret_encrypted:
        raise DeliveryError(
            "No secret is stored for this channel: enter its Workflows address or bot token.",
            outcome=DeliveryOutcome.FAILED,
        )
    try:
        return _fernet().decrypt(channel.secret_encrypted.encode()).decode()
    except InvalidToken:
        raise DeliveryError(
            "The stored secret cannot be read with this server's TEAM_CHANNEL_SECRET_KEY "
            "(it was changed?): enter the channel's secret again.",
            outcome=DeliveryOutcome.FAILED,
        ) from None
