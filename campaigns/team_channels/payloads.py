"""What a post looks like on the wire: an Adaptive Card for a Teams workflow, Block Kit for Slack.

Teams Workflows accept only Adaptive Cards (Office 365 connectors' MessageCards are retired), in a
message envelope. Version 1.4: what Teams renders on every client, phones included.
Slack: `text` is the notification and screen-reader fallback, `blocks` what people see.
"""

from __future__ import annotations

from campaigns.team_channels.base import ChannelPost

ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
ADAPTIVE_CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
ADAPTIVE_CARD_VERSION = "1.4"
# Teams shows at most six buttons on a card; Slack allows 25 in an actions block.
MOST_LINKS = 6
SLACK_HEADER_LIMIT = 150
SLACK_BUTTON_LIMIT = 75
SLACK_SECTION_LIMIT = 3000


def teams_message(post: ChannelPost) -> dict[str, object]:
    body: list[dict[str, object]] = [
        {"type": "TextBlock", "text": post.title, "size": "Large", "weight": "Bolder", "wrap": True}
    ]
    if post.text:
        body.append({"type": "TextBlock", "text": post.text, "wrap": True})
    card: dict[str, object] = {
        "$schema": ADAPTIVE_CARD_SCHEMA,
        "type": "AdaptiveCard",
        "version": ADAPTIVE_CARD_VERSION,
        "body": body,
    }
    if post.links:
        card["actions"] = [
            {"type": "Action.OpenUrl", "title": link.title, "url": link.url} for link in post.links
        ]
    return {
        "type": "message",
        "attachments": [{"contentType": ADAPTIVE_CARD_CONTENT_TYPE, "contentUrl": None, "content": card}],
    }


def slack_escape(text: str) -> str:
    """Slack's mrkdwn reads <, > and & as markup (<!channel> pings everyone): escaped, they are text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def slack_message(post: ChannelPost) -> dict[str, object]:
    """chat.postMessage's `text` and `blocks`."""
    blocks: list[dict[str, object]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _cut(post.title, SLACK_HEADER_LIMIT)}}
    ]
    if post.text:
        blocks.append(
            {
                "type": "section",
                # verbatim: Slack links no address or channel name in the words; links are buttons.
                "text": {
                    "type": "mrkdwn",
                    "text": _cut(slack_escape(post.text), SLACK_SECTION_LIMIT),
                    "verbatim": True,
                },
            }
        )
    if post.links:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": _cut(link.title, SLACK_BUTTON_LIMIT)},
                        "url": link.url,
                        "action_id": f"link-{index}",
                    }
                    for index, link in enumerate(post.links)
                ],
            }
        )
    fallback = [post.title, post.text, *(f"{link.title}: {link.url}" for link in post.links)]
    return {"text": slack_escape("\n".join(line for line in fallback if line)), "blocks": blocks}
