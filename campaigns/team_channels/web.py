"""Posts through the real services: one class per transport (healthchecks' transports.py), and
the backend that picks one by the channel's kind.

Neither library retries on its own here: a post re-sent after a connection broke mid-request
could appear twice in the channel. Whether to try again is decided by `DeliveryOutcome`, in
words a curator can act on. No message ever includes the Workflows address or the token.
"""

from __future__ import annotations

import re
import socket
from http.client import HTTPException
from urllib.error import URLError
from urllib.parse import urlsplit, urlunsplit

import requests
from django.conf import settings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError, SlackRequestError
from slack_sdk.web import SlackResponse
from urllib3.exceptions import NewConnectionError

from campaigns.delivery_errors import DeliveryError, DeliveryOutcome
from campaigns.models import TeamChannel, TeamChannelKind
from campaigns.team_channels import secrets
from campaigns.team_channels.base import BaseTeamPostBackend, ChannelPost, Posted
from campaigns.team_channels.payloads import slack_message, teams_message


def retry(message: str) -> DeliveryError:
    return DeliveryError(message, outcome=DeliveryOutcome.RETRY)


def failed(message: str) -> DeliveryError:
    return DeliveryError(message, outcome=DeliveryOutcome.FAILED)


def unknown(service: str) -> DeliveryError:
    return DeliveryError(
        f"{service} did not answer in time; the post may have gone, so it is not posted again. "
        "Look in the channel before posting by hand.",
        outcome=DeliveryOutcome.UNKNOWN,
    )


class TeamsWorkflow:
    """A Teams channel's "post to a channel when a webhook request is received" workflow."""

    def post(self, url: str, post: ChannelPost) -> Posted:
        try:
            response = requests.post(
                self.rebased(url),
                json=teams_message(post),
                timeout=settings.TEAM_POST_TIMEOUT_SECONDS,
                allow_redirects=False,
            )
        except requests.RequestException as error:
            # Not chained: the exception's text holds the address, and its signature.
            raise self.classify_connection(error) from None
        if response.status_code in (200, 201, 202):
            return Posted()
        raise self.classify_status(response.status_code)

    @staticmethod
    def rebased(url: str) -> str:
        """The same path and signature, at TEAMS_WORKFLOW_BASE_URL when set (a proxy, or a test fake)."""
        if not settings.TEAMS_WORKFLOW_BASE_URL:
            return url
        base, parts = urlsplit(settings.TEAMS_WORKFLOW_BASE_URL), urlsplit(url)
        return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))

    @staticmethod
    def classify_connection(error: requests.RequestException) -> DeliveryError:
        cause = error.args[0] if isinstance(error, requests.ConnectionError) and error.args else None
        if isinstance(error, requests.ConnectTimeout) or isinstance(
            getattr(cause, "reason", None), NewConnectionError
        ):
            return retry("Teams could not be reached; it will be tried again.")
        return unknown("Teams")

    @staticmethod
    def classify_status(status: int) -> DeliveryError:
        if status == 429:
            return retry("Teams is limiting posts for now (HTTP 429); it will be tried again.")
        if status >= 500:
            return retry(f"Teams had a server error (HTTP {status}); it will be tried again.")
        if status in (401, 403):
            return failed(
                f"Teams refused the workflow's address (HTTP {status}): its signature is wrong or was "
                "reset. Copy the workflow's address again and replace the stored one."
            )
        if status == 404:
            return failed(
                "Teams has no workflow at this address (HTTP 404): it was deleted or turned off. "
                "Create the channel's workflow again and replace the stored address."
            )
        if 300 <= status < 400:
            return failed(
                f"The workflow's address sends posts elsewhere (HTTP {status}); they are not followed."
            )
        if status == 400:
            return failed("Teams refused the card as malformed (HTTP 400).")
        return failed(f"Teams refused the post (HTTP {status}).")


# Slack's error codes, in words a curator can act on.
SLACK_ERRORS = {
    "channel_not_found": "Slack cannot find the channel (channel_not_found): check its ID; for a private "
    "channel, invite the app to it first.",
    "not_in_channel": "The Slack app is not in the channel (not_in_channel): invite it there with "
    "/invite @your-app, then try again.",
    "is_archived": "The Slack channel is archived (is_archived): choose another channel.",
    "invalid_auth": "Slack refused the bot token (invalid_auth): enter the app's Bot User OAuth Token "
    "(xoxb-…) again.",
    "not_authed": "Slack received no bot token (not_authed): enter the app's Bot User OAuth Token.",
    "account_inactive": "The Slack app's token belongs to a deactivated account (account_inactive).",
    "token_revoked": "The Slack bot token was revoked (token_revoked): reinstall the app and enter its "
    "new token.",
    "token_expired": "The Slack bot token has expired (token_expired): enter a new one.",
    "missing_scope": "The Slack app may not post (missing_scope): add the chat:write scope and reinstall it.",
    "restricted_action": "The Slack workspace does not let this app post in that channel "
    "(restricted_action).",
    "msg_too_long": "The post is too long for Slack (msg_too_long): shorten the text.",
    "invalid_blocks": "Slack refused the post's layout (invalid_blocks).",
    "invalid_blocks_format": "Slack refused the post's layout (invalid_blocks_format).",
}
SLACK_RETRY = {"ratelimited", "service_unavailable", "team_added_to_org"}
# The operation may have succeeded before Slack's error (Slack's own description of these).
SLACK_UNKNOWN = {"internal_error", "fatal_error"}
SLACK_CODE = re.compile(r"[a-z_]{1,60}")


class SlackBot:
    """chat.postMessage with a bot token, through the official slack-sdk."""

    def post(self, token: str, channel_id: str, post: ChannelPost) -> Posted:
        client = WebClient(
            token=token,
            base_url=settings.SLACK_API_BASE_URL,
            timeout=int(settings.TEAM_POST_TIMEOUT_SECONDS),
            retry_handlers=[],
        )
        try:
            response = client.chat_postMessage(
                channel=channel_id, unfurl_links=False, unfurl_media=False, **slack_message(post)
            )
        except SlackApiError as error:
            raise self.classify_answer(error.response) from None
        except (URLError, HTTPException, OSError) as error:
            raise self.classify_connection(error) from None
        except SlackRequestError:
            raise failed(
                "Slack's client refused to send the post (its token or channel is missing)."
            ) from None
        except SlackClientError:
            raise unknown("Slack") from None
        return Posted(provider_id=str(response.get("ts", ""))[:64])

    @staticmethod
    def classify_answer(response: SlackResponse) -> DeliveryError:
        data = response.data if isinstance(response.data, dict) else {}
        code = str(data.get("error", ""))
        if response.status_code == 429 or code in SLACK_RETRY:
            return retry(f"Slack is limiting posts for now ({code or 'HTTP 429'}); it will be tried again.")
        if response.status_code >= 500:
            return retry(f"Slack had a server error (HTTP {response.status_code}); it will be tried again.")
        if code in SLACK_ERRORS:
            return failed(SLACK_ERRORS[code])
        if code in SLACK_UNKNOWN:
            return DeliveryError(
                f"Slack had an error ({code}) that may have come after posting; it is not posted again. "
                "Look in the channel before posting by hand.",
                outcome=DeliveryOutcome.UNKNOWN,
            )
        return failed(
            f"Slack refused the post ({code if SLACK_CODE.fullmatch(code) else 'no reason given'})."
        )

    @staticmethod
    def classify_connection(error: Exception) -> DeliveryError:
        reason = error.reason if isinstance(error, URLError) else error
        if isinstance(reason, ConnectionRefusedError | socket.gaierror):
            return retry("Slack could not be reached; it will be tried again.")
        return unknown("Slack")


class WebBackend(BaseTeamPostBackend):
    def post(self, channel: TeamChannel, post: ChannelPost) -> Posted:
        secret = secrets.reveal(channel)
        if channel.kind == TeamChannelKind.TEAMS:
            return TeamsWorkflow().post(secret, post)
        return SlackBot().post(secret, channel.slack_channel_id, post)
