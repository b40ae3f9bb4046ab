from __future__ import annotations

import functools
import secrets
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords

from campaigns.hashing import address_hash
from curation.models import Topic


class Medium(models.TextChoices):
    SMS = "sms", "SMS"
    EMAIL = "email", "Email"
    WHATSAPP = "whatsapp", "WhatsApp"


class MediaPreference(models.TextChoices):
    """Which media a person (or a campaign, or a segment) uses. The first three kept their meaning
    when WhatsApp came: "both" is still texts and emails, so nobody gets WhatsApp unasked."""

    SMS = "sms", "Texts only"
    EMAIL = "email", "Emails only"
    BOTH = "both", "Texts and emails"
    WHATSAPP = "whatsapp", "WhatsApp only"
    WHATSAPP_EMAIL = "wa_email", "WhatsApp and emails"
    ALL = "all", "Texts, WhatsApp and emails"

    def includes(self, medium: str) -> bool:
        return medium in PREFERENCE_MEDIA[self]

    @classmethod
    def including(cls, medium: str) -> list[str]:
        """The preferences that take in `medium`: for `preferred_media__in=` in audience queries."""
        return [preference for preference, media in PREFERENCE_MEDIA.items() if medium in media]


PREFERENCE_MEDIA: dict[str, frozenset[str]] = {
    MediaPreference.SMS: frozenset({Medium.SMS}),
    MediaPreference.EMAIL: frozenset({Medium.EMAIL}),
    MediaPreference.BOTH: frozenset({Medium.SMS, Medium.EMAIL}),
    MediaPreference.WHATSAPP: frozenset({Medium.WHATSAPP}),
    MediaPreference.WHATSAPP_EMAIL: frozenset({Medium.WHATSAPP, Medium.EMAIL}),
    MediaPreference.ALL: frozenset({Medium.SMS, Medium.WHATSAPP, Medium.EMAIL}),
}
# The stored consent state and suppression hash of each medium on Subscriber. WhatsApp reaches the
# phone number, with consent and a suppression hash of its own: a STOP there leaves texts alone.
STATE_FIELD = {Medium.SMS: "sms_state", Medium.EMAIL: "email_state", Medium.WHATSAPP: "whatsapp_state"}
HASH_FIELD = {Medium.SMS: "phone_hash", Medium.EMAIL: "email_hash", Medium.WHATSAPP: "whatsapp_hash"}
# Consent that only the employee can give: an import or an invitation never opts anyone into
# WhatsApp (Meta requires the person's own opt-in for business messages).
SELF_CONSENT_ONLY = frozenset({Medium.WHATSAPP})


class ConsentState(models.TextChoices):
    """A subscriber's current state on one medium, derived from the consent ledger."""

    NONE = "none", "No consent"
    PENDING = "pending", "Awaiting confirmation"
    SUBSCRIBED = "subscribed", "Subscribed"
    OPTED_OUT = "opted_out", "Opted out"


class ConsentAction(models.TextChoices):
    REQUESTED = "requested", "Asked to subscribe"
    CONFIRMED = "confirmed", "Confirmed"
    OPTED_OUT = "opted_out", "Opted out"
    OPTED_IN = "opted_in", "Opted back in"


class ConsentSource(models.TextChoices):
    SIGNUP_PAGE = "signup_page", "Sign-up page"
    SMS_KEYWORD = "sms_keyword", "SMS keyword"
    EMAIL_LINK = "email_link", "Email link"
    SELF_SERVICE = "self_service", "Employee's own page"
    IMPORT = "import", "Import (consent held elsewhere)"
    CURATOR = "curator", "Curator"
    PROVIDER = "provider", "Provider report"
    WHATSAPP_KEYWORD = "whatsapp_keyword", "WhatsApp keyword"


# The state each ledger action leaves a medium in; the latest row wins.
STATE_AFTER: dict[str, str] = {
    ConsentAction.REQUESTED: ConsentState.PENDING,
    ConsentAction.CONFIRMED: ConsentState.SUBSCRIBED,
    ConsentAction.OPTED_IN: ConsentState.SUBSCRIBED,
    ConsentAction.OPTED_OUT: ConsentState.OPTED_OUT,
}


@functools.cache
def time_zone_names() -> frozenset[str]:
    # available_timezones() walks the zoneinfo directory on every call: read it once.
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in time_zone_names():
        raise ValidationError(f"“{value}” is not a time zone name such as Europe/London.")


def new_link_key() -> str:
    return secrets.token_urlsafe(16)


class Subscriber(models.Model):
    """An employee who may be messaged: an invitee until they opt in, then a subscriber.

    `sms_state`, `email_state` and `whatsapp_state` are the consent ledger's latest word per medium,
    stored so audiences can be chosen with one query; only campaigns.consent writes them, with the
    ledger row.
    """

    phone = models.CharField(
        max_length=20, blank=True, help_text="Stored in international format (E.164), e.g. +447400123456."
    )
    email = models.EmailField(blank=True)
    display_name = models.CharField(max_length=120, blank=True)
    department = models.CharField(max_length=120, blank=True)
    location = models.CharField(max_length=120, blank=True)
    time_zone = models.CharField(
        max_length=64,
        default="Europe/London",
        validators=[validate_time_zone],
        help_text="Texts and emails arrive only in working hours in this zone.",
    )
    topics = models.ManyToManyField(Topic, related_name="subscribers", blank=True)
    language = models.CharField(
        max_length=12,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text="Pages, messages and replies reach them in this language.",
    )
    preferred_media = models.CharField(
        max_length=10, choices=MediaPreference.choices, default=MediaPreference.BOTH
    )
    sms_state = models.CharField(
        max_length=20, choices=ConsentState.choices, default=ConsentState.NONE, editable=False
    )
    email_state = models.CharField(
        max_length=20, choices=ConsentState.choices, default=ConsentState.NONE, editable=False
    )
    whatsapp_state = models.CharField(
        max_length=20, choices=ConsentState.choices, default=ConsentState.NONE, editable=False
    )
    # When they last wrote to us on WhatsApp (never what they wrote): for 24 hours after it, free
    # text may be sent to them; outside it, only an approved template (Meta's customer-service window).
    whatsapp_inbound_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Keyed hashes of phone and email, kept in step on save, so audiences can leave out the
    # suppression list in SQL.
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    email_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    whatsapp_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    invitations_sent = models.PositiveSmallIntegerField(default=0, editable=False)
    last_invited_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # What personal links carry instead of the id: random, so a decoded token names nobody.
    link_key = models.CharField(max_length=32, unique=True, default=new_link_key, editable=False)

    history = HistoricalRecords(
        excluded_fields=[
            "phone",
            "email",
            "display_name",
            "phone_hash",
            "email_hash",
            "whatsapp_hash",
            "whatsapp_inbound_at",
            "link_key",
        ]
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["phone"],
                condition=~Q(phone=""),
                name="subscriber_unique_phone",
                violation_error_message="Another employee already has this phone number.",
            ),
            models.UniqueConstraint(
                Lower("email"),
                condition=~Q(email=""),
                name="subscriber_unique_email_ci",
                violation_error_message="Another employee already has this email address.",
            ),
            models.CheckConstraint(
                condition=~Q(phone="") | ~Q(email=""),
                name="subscriber_has_phone_or_email",
                violation_error_message="Give a phone number or an email address.",
            ),
        ]
        permissions = [("view_contact_data", "Can see employees' phone numbers and emails")]

    def __str__(self) -> str:
        return f"Subscriber #{self.pk}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.phone_hash = address_hash(Medium.SMS, self.phone)
        self.email_hash = address_hash(Medium.EMAIL, self.email)
        self.whatsapp_hash = address_hash(Medium.WHATSAPP, self.phone)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"phone", "email", "whatsapp_state"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "phone_hash", "email_hash", "whatsapp_hash"}
        super().save(*args, **kwargs)

    def state(self, medium: str) -> str:
        return getattr(self, STATE_FIELD[medium])

    def address(self, medium: str) -> str:
        return self.email if medium == Medium.EMAIL else self.phone

    def wants(self, medium: str) -> bool:
        return MediaPreference(self.preferred_media).includes(medium)

    @property
    def is_invitee(self) -> bool:
        return ConsentState.SUBSCRIBED not in (self.sms_state, self.email_state, self.whatsapp_state)


class ConsentEvent(models.Model):
    """One row of the consent ledger: who said yes or no, on which medium, when, and how we know."""

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="consent_events")
    medium = models.CharField(max_length=10, choices=Medium.choices)
    action = models.CharField(max_length=20, choices=ConsentAction.choices)
    source = models.CharField(max_length=20, choices=ConsentSource.choices)
    evidence = models.CharField(
        max_length=300, help_text="What proves it: the keyword and message id, the form and its wording."
    )
    # The provider's id of the text that caused this row, so a webhook Twilio redelivers is not
    # acted on twice (a late STOP must not undo a START sent after it).
    provider_message_id = models.CharField(max_length=64, blank=True, db_index=True)
    occurred_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["occurred_at", "pk"]
        indexes = [models.Index(fields=["subscriber", "medium", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.get_medium_display()}, {self.get_source_display()})"


class SuppressionReason(models.TextChoices):
    OPTED_OUT = "opted_out", "Opted out"
    PROVIDER_OPTED_OUT = "provider_opted_out", "Opted out at the provider (STOP)"
    UNREACHABLE = "unreachable", "Provider reported unreachable"
    ERASED = "erased", "Erased at the employee's request"
    # Email services' reports (issue 16), through campaigns.email_events.
    HARD_BOUNCE = "hard_bounce", "Email bounced: the address does not exist"
    SOFT_BOUNCES = "soft_bounces", "Email soft-bounced too many times in a row"
    COMPLAINED = "complained", "Marked our email as spam"


class Suppression(models.Model):
    """A number or address that must not be messaged, kept only as a keyed hash.

    It outlives the subscriber (erasure) and blocks re-imports: an import is not consent.
    """

    address_hash = models.CharField(max_length=64, unique=True)
    medium = models.CharField(max_length=10, choices=Medium.choices)
    reason = models.CharField(max_length=30, choices=SuppressionReason.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.get_medium_display()} suppressed: {self.get_reason_display()}"


class PhoneChallenge(models.Model):
    """The six-digit code that proves a sign-up holds the phone. Only a keyed hash is kept."""

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="phone_challenges")
    # Random, held by the sign-up's session: the code is checked against this browser's request.
    reference = models.CharField(max_length=32, blank=True, db_index=True)
    code_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Code for subscriber #{self.subscriber_id}"


class Segment(models.Model):
    """A saved audience rule; empty criteria match everyone subscribed."""

    name = models.CharField(max_length=120, unique=True)
    departments = models.JSONField(default=list, blank=True, help_text="Any of these departments.")
    locations = models.JSONField(default=list, blank=True, help_text="Any of these locations.")
    topics = models.ManyToManyField(
        Topic, blank=True, related_name="segments", help_text="Interested in any of these topics."
    )
    medium = models.CharField(
        max_length=10,
        choices=MediaPreference.choices,
        default=MediaPreference.BOTH,
        help_text="Subscribed to texts, emails, or either.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(m2m_fields=[topics])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ContactAccessAction(models.TextChoices):
    VIEWED = "viewed", "Viewed"
    SEARCHED = "searched", "Searched"
    EXPORTED = "exported", "Exported"
    IMPORTED = "imported", "Imported"


class ContactAccessLog(models.Model):
    """Audit trail of curators looking at or moving employees' contact data."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=20, choices=ContactAccessAction.choices)
    subscriber_count = models.PositiveIntegerField()
    detail = models.CharField(max_length=200, blank=True)
    occurred_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at"]

    def __str__(self) -> str:
        return f"{self.user} {self.get_action_display().lower()} {self.subscriber_count} contact(s)"


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Scheduled"
    SENDING = "sending", "Sending"
    PAUSED = "paused", "Paused"
    SENT = "sent", "Sent"
    CANCELLED = "cancelled", "Cancelled"


class Repeat(models.TextChoices):
    ONCE = "once", "Once"
    WEEKLY = "weekly", "Every week at the same time"


# A campaign's media are a person's, or none at all: a campaign that only posts to team channels
# (issue 16: "a medium of its own"). Kept out of MediaPreference, which subscribers and segments
# choose from: nobody can prefer no messages, they opt out.
TEAM_CHANNELS_ONLY = "none"


def campaign_media() -> list[tuple[str, str]]:
    """What a campaign may send: a person's media, or team channels' posts only. Called, not
    listed, so a preference added to MediaPreference needs no change here."""
    return [*MediaPreference.choices, (TEAM_CHANNELS_ONLY, "Team channels only")]


class Campaign(models.Model):
    """Texts and emails that send employees out to placements on the public platforms.

    A campaign is composed as a draft (the agency curator may), then launched by an internal
    curator: now, at `send_at`, or every week from `send_at`. Each send is an occurrence with its
    own Delivery rows, so a weekly campaign reaches the same person once a week, never twice.
    """

    name = models.CharField(max_length=120)
    slug = models.SlugField(
        max_length=80,
        unique=True,
        help_text="Shown to Google Analytics as utm_campaign, e.g. spring-wellbeing.",
    )
    purpose = models.TextField(blank=True)
    status = models.CharField(
        max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT, editable=False
    )
    placements = models.ManyToManyField("curation.Placement", related_name="campaigns", blank=True)
    segments = models.ManyToManyField(
        Segment, related_name="campaigns", blank=True, help_text="Everyone in any of these segments."
    )
    media = models.CharField(
        max_length=10,
        choices=campaign_media,
        default=MediaPreference.BOTH,
        help_text="Each employee also gets only the media they chose. “Team channels only”: no "
        "personal messages, just the posts to the team channels chosen below.",
    )
    sms_text = models.TextField(
        "text message",
        blank=True,
        help_text="Placeholders: {first_name}, {links}. “Reply STOP to stop” is added if missing.",
    )
    email_subject = models.CharField(max_length=150, blank=True)
    email_body = models.TextField(
        blank=True, help_text="Plain text. Placeholders: {first_name}, {links}. An unsubscribe link is added."
    )
    whatsapp_template = models.ForeignKey(
        "campaigns.WhatsAppTemplate",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="campaigns",
        help_text="An approved template: the only message WhatsApp lets us start a conversation with.",
    )
    whatsapp_variables = models.JSONField(
        "template variables",
        default=dict,
        blank=True,
        help_text='What fills each {{n}} of the template, e.g. {"1": "first_name", "2": "links"}.',
    )
    whatsapp_text = models.TextField(
        "WhatsApp free text",
        blank=True,
        help_text="Optional. Sent instead of the template only to those who wrote to us on WhatsApp "
        "in the last 24 hours. Placeholders: {first_name}, {links}.",
    )
    send_at = models.DateTimeField(
        null=True, blank=True, help_text="Leave empty to send as soon as it is launched."
    )
    repeat = models.CharField(max_length=10, choices=Repeat.choices, default=Repeat.ONCE)
    ask_useful = models.BooleanField(
        "ask “useful?”",
        default=True,
        help_text="Texts end “Reply 1 if useful, 2 if not for you”; emails get two buttons per link. "
        "Votes are counted, never who voted.",
    )
    next_send_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    occurrence = models.PositiveIntegerField(default=0, editable=False, help_text="Sends so far.")
    launched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        editable=False,
        related_name="+",
    )
    launched_at = models.DateTimeField(null=True, blank=True, editable=False)
    paused_reason = models.CharField(max_length=300, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Team channels: one post per channel per send, beside the texts and emails; it names nobody.
    team_channels = models.ManyToManyField(
        "TeamChannel",
        related_name="campaigns",
        blank=True,
        limit_choices_to={"is_active": True},
        help_text="Teams and Slack channels that get one post per send, with the links.",
    )
    team_post_title = models.CharField(
        "team post heading", max_length=150, blank=True, help_text="No placeholders: a post names nobody."
    )
    team_post_text = models.TextField(
        "team post", blank=True, help_text="Plain text. The links follow it as buttons."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        permissions = [("launch_campaign", "Can launch, pause, resume and cancel campaigns")]

    def __str__(self) -> str:
        return self.name

    def sends(self, medium: str) -> bool:
        return not self.is_team_only and MediaPreference(self.media).includes(medium)

    @property
    def is_team_only(self) -> bool:
        """Posts to team channels and nothing personal: no audience, no Delivery rows."""
        return self.media == TEAM_CHANNELS_ONLY

    @property
    def is_editable(self) -> bool:
        """Messages are frozen while they go out, so every recipient gets the same words."""
        return self.status in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED)


def link_media() -> list[tuple[str, str]]:
    """What a link can be sent by: the personal media, and team channels' posts (each its own
    utm_source). Called, not listed, so a medium added to Medium needs no change here."""
    return [*Medium.choices, *TeamChannelKind.choices]


class TrackedLink(models.Model):
    """The link in a message: one per campaign x medium x placement, never per person.

    Clicks on it are counted only as anonymous daily totals, so they cannot identify anyone.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="links")
    medium = models.CharField(max_length=10, choices=link_media)
    placement = models.ForeignKey(
        "curation.Placement", on_delete=models.PROTECT, related_name="tracked_links"
    )
    token = models.CharField(max_length=32, unique=True, editable=False)
    destination = models.URLField(max_length=500, editable=False, help_text="Checked when the link was made.")
    # Set when the item was retired with a successor: messages already out now lead there.
    repointed_from = models.ForeignKey(
        "curation.Placement",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "medium", "placement"],
                condition=Q(repointed_from=None),
                name="tracked_link_unique_per_message",
            )
        ]

    def __str__(self) -> str:
        return f"/l/{self.token}"


class LinkClickDay(models.Model):
    """Anonymous click totals for one tracked link on one day (UTC), flushed from the Redis buffer."""

    link = models.ForeignKey(TrackedLink, on_delete=models.CASCADE, related_name="click_days")
    date = models.DateField()
    raw_hits = models.PositiveIntegerField(default=0)
    bot_hits = models.PositiveIntegerField(
        default=0, help_text="Link previews, mail scanners, HEAD requests."
    )
    human_clicks = models.PositiveIntegerField(default=0)
    unique_clicks = models.PositiveIntegerField(default=0, help_text="Estimated distinct people that day.")

    class Meta:
        ordering = ["-date"]
        constraints = [models.UniqueConstraint(fields=["link", "date"], name="link_click_day_unique")]

    def __str__(self) -> str:
        return f"{self.link} on {self.date}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to send"
    CLAIMED = "claimed", "Being sent"
    UNKNOWN = "unknown", "Outcome unknown"
    ACCEPTED = "accepted", "Accepted by the provider"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    UNDELIVERED = "undelivered", "Not delivered"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped (no consent at send time)"
    CAPPED = "capped", "Held back (weekly limit)"


# How far along a delivery is: provider reports only ever move it forward, however late or
# repeated they arrive (a late "sent" never overwrites "delivered").
DELIVERY_PROGRESS: dict[str, int] = {
    DeliveryStatus.PENDING: 0,
    DeliveryStatus.CLAIMED: 1,
    DeliveryStatus.UNKNOWN: 2,
    DeliveryStatus.ACCEPTED: 3,
    DeliveryStatus.SENT: 4,
    DeliveryStatus.DELIVERED: 5,
    DeliveryStatus.UNDELIVERED: 5,
    DeliveryStatus.FAILED: 5,
    DeliveryStatus.SKIPPED: 5,
    DeliveryStatus.CAPPED: 5,
}


class EmailFeedback(models.TextChoices):
    """What an email service reported back about an email after it left: its own track beside
    the status, also forward only (a complaint is never undone by a late "deferred")."""

    NONE = "", "Nothing reported"
    SOFT_BOUNCE = "soft_bounce", "Soft bounce (delayed or temporarily refused)"
    HARD_BOUNCE = "hard_bounce", "Hard bounce (the address does not exist)"
    COMPLAINED = "complained", "Marked as spam"


FEEDBACK_PROGRESS: dict[str, int] = {
    EmailFeedback.NONE: 0,
    EmailFeedback.SOFT_BOUNCE: 1,
    EmailFeedback.HARD_BOUNCE: 2,
    EmailFeedback.COMPLAINED: 3,
}


# Handed to the provider: what counts towards the weekly limit and the report's "sent".
HANDED_OVER = (
    DeliveryStatus.ACCEPTED,
    DeliveryStatus.SENT,
    DeliveryStatus.DELIVERED,
    DeliveryStatus.UNDELIVERED,
)


class Delivery(models.Model):
    """The send ledger: one row per campaign occurrence x subscriber x medium, written before sending.

    A worker claims rows before it calls the provider and records the outcome after; the unique
    constraint is what makes a launch run twice, or a task delivered twice, send once.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="deliveries")
    # Kept when an employee is erased, so the campaign's totals stay true; nothing personal stays.
    subscriber = models.ForeignKey(
        Subscriber, null=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    medium = models.CharField(max_length=10, choices=Medium.choices)
    occurrence = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    not_before = models.DateTimeField(help_text="Not sent before this: the recipient's working hours.")
    attempts = models.PositiveSmallIntegerField(default=0)
    claim = models.UUIDField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=64, blank=True, db_index=True)
    error_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    # Emails only: bounces and complaints from the sending service's webhooks. A database default
    # too: the ledger is written by INSERT ... SELECT (campaigns.bulk), which names no such column.
    feedback = models.CharField(
        max_length=20, choices=EmailFeedback.choices, blank=True, default="", db_default=""
    )
    # WhatsApp only: went as free text (inside the person's window), not as a template. Only free
    # text carries the "useful?" line or a check, so only then does a reply "1" or "A" answer it.
    free_text = models.BooleanField(default=False, db_default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "subscriber", "medium", "occurrence"], name="delivery_once_per_occurrence"
            )
        ]
        indexes = [
            # In the order batches claim rows: a claim reads its batch, not every waiting row.
            models.Index(fields=["campaign", "status", "not_before", "id"], name="delivery_due"),
            models.Index(fields=["status", "claimed_at"], name="delivery_claims"),
            models.Index(fields=["subscriber", "not_before"], name="delivery_recent"),
            # The weekly review counts the messages handed over in a week.
            models.Index(fields=["status", "sent_at"], name="delivery_sent"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} → #{self.subscriber_id} by {self.get_medium_display()}"


# The employees' voice: counted, never stored per person.


class Usefulness(models.TextChoices):
    USEFUL = "useful", "Useful"
    NOT_FOR_ME = "not_for_me", "Not for me"


class FeedbackCount(models.Model):
    """Anonymous "useful?" votes on one placement in one campaign's messages, per medium and week.

    Only totals: no person, no time of day. Votes from mail scanners and bots are counted apart.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="feedback_counts")
    placement = models.ForeignKey("curation.Placement", on_delete=models.CASCADE, related_name="+")
    medium = models.CharField(max_length=10, choices=Medium.choices)
    answer = models.CharField(max_length=20, choices=Usefulness.choices)
    week = models.DateField(help_text="The Monday of the week the votes came in (programme time zone).")
    votes = models.PositiveIntegerField(default=0)
    bot_votes = models.PositiveIntegerField(
        default=0, help_text="Mail scanners and bots, not counted as votes."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "placement", "medium", "answer", "week"], name="feedback_count_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_answer_display()}: {self.votes}"


class VoiceReceipt(models.Model):
    """That someone's one answer to something (a vote, a reason, a check) has been counted.

    A keyed hash of what was answered and by whom, never the answer or the person: it exists only
    to refuse a second count, and is deleted when the answer's window closes.
    """

    key = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"Receipt until {self.expires_at:%Y-%m-%d}"


class LeaveReason(models.TextChoices):
    TOO_MANY = "too_many", "Too many messages"
    NOT_RELEVANT = "not_relevant", "Not relevant to my job"
    WRONG_TIME = "wrong_time", "Wrong time"
    OTHER_APP = "other_app", "I prefer another app"
    OTHER = "other", "Other"


class LeaveReasonCount(models.Model):
    """Why people stop, counted per week: the optional answer on the unsubscribe page and /me/."""

    week = models.DateField(help_text="The Monday of the week (programme time zone).")
    reason = models.CharField(max_length=20, choices=LeaveReason.choices)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-week", "reason"]
        constraints = [models.UniqueConstraint(fields=["week", "reason"], name="leave_reason_count_unique")]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.count}"


# Journeys: timed steps that run themselves. Each step's message is a Campaign of its own, so a
# step due for a person becomes a Delivery row like any other.


class JourneyStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    LIVE = "live", "Live"
    PAUSED = "paused", "Paused"
    ENDED = "ended", "Ended"


class JourneyEntry(models.TextChoices):
    SIGNUP = "signup", "On confirming sign-up (a welcome series)"
    SEGMENT = "segment", "On joining a segment"
    CURATOR = "curator", "Enrolled by a curator"


class Journey(models.Model):
    """An ordered series of steps each person enrolled goes through on their own clock."""

    name = models.CharField(max_length=120, unique=True)
    purpose = models.TextField(blank=True)
    status = models.CharField(
        max_length=20, choices=JourneyStatus.choices, default=JourneyStatus.DRAFT, editable=False
    )
    entry = models.CharField(max_length=20, choices=JourneyEntry.choices, default=JourneyEntry.SIGNUP)
    entry_segment = models.ForeignKey(
        Segment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="journeys",
        help_text="For “on joining a segment”: people enter when they first match it.",
    )
    launched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        editable=False,
        related_name="+",
    )
    launched_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WaitFrom(models.TextChoices):
    PREVIOUS = "previous", "after the previous step"
    JOINED = "joined", "after joining"


# A check's answers are lettered in this order; a reply is one of these letters.
CHECK_LETTERS = ("A", "B", "C", "D")


class JourneyStep(models.Model):
    """One step: wait, then send a message (its own Campaign), optionally asking a question.

    A question step asks a check with two to four lettered answers tied to the message's placement;
    a reply gets a one-line answer with the link. Answers are counted per letter, not per person.
    """

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    message = models.OneToOneField(Campaign, on_delete=models.CASCADE, related_name="journey_step")
    wait_days = models.PositiveSmallIntegerField(default=0)
    wait_from = models.CharField(max_length=10, choices=WaitFrom.choices, default=WaitFrom.PREVIOUS)
    at_local_time = models.TimeField(
        null=True,
        blank=True,
        help_text="Local time of day in each person's zone; empty: as soon as working hours allow.",
    )
    question = models.CharField(max_length=300, blank=True, help_text="A one-question check, sent by text.")
    choices = models.JSONField(default=list, blank=True, help_text="Two to four answers, lettered A to D.")
    correct = models.CharField(max_length=1, blank=True, help_text="The right answer's letter.")
    stop_on_answer = models.BooleanField(
        default=False, help_text="Leave the journey once the check is answered."
    )

    class Meta:
        ordering = ["journey", "position"]
        constraints = [
            models.UniqueConstraint(fields=["journey", "position"], name="journey_step_unique_position")
        ]

    def __str__(self) -> str:
        return f"{self.journey} · step {self.position}"

    @property
    def is_check(self) -> bool:
        return bool(self.question)

    @property
    def lettered_choices(self) -> list[tuple[str, str]]:
        """The answers as they are asked: (letter, answer), blanks left out."""
        answers = [str(choice).strip() for choice in self.choices if str(choice).strip()]
        return list(zip(CHECK_LETTERS, answers, strict=False))


class EnrolmentStatus(models.TextChoices):
    ACTIVE = "active", "On the journey"
    FINISHED = "finished", "Finished"
    OPTED_OUT = "opted_out", "Left: opted out"
    STOPPED = "stopped", "Left: stop condition met"
    REMOVED = "removed", "Taken off by a curator"


class Enrolment(models.Model):
    """One person's place on a journey: the next step and when it is due.

    Operational, like the Delivery ledger (deleted with the person); reports read only totals.
    """

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="enrolments")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="enrolments")
    status = models.CharField(max_length=20, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ACTIVE)
    entered_at = models.DateTimeField()
    next_position = models.PositiveSmallIntegerField(default=1, help_text="The step to send next.")
    next_due_at = models.DateTimeField(null=True, blank=True)
    last_step_at = models.DateTimeField(null=True, blank=True, help_text="When the previous step was due.")
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["journey", "subscriber"], name="enrolment_once_per_journey")
        ]
        indexes = [models.Index(fields=["status", "next_due_at"], name="enrolment_due")]

    def __str__(self) -> str:
        return f"#{self.subscriber_id} on {self.journey}"


class CheckAnswerCount(models.Model):
    """Replies to a check, per letter and week: which content teaches, never who answered what."""

    step = models.ForeignKey(JourneyStep, on_delete=models.CASCADE, related_name="answer_counts")
    letter = models.CharField(max_length=1)
    week = models.DateField(help_text="The Monday of the week (programme time zone).")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["step", "letter", "week"], name="check_answer_count_unique")
        ]

    def __str__(self) -> str:
        return f"{self.step} {self.letter}: {self.count}"


# Team channels: a campaign's post to a Microsoft Teams or Slack channel, one per send, naming nobody.


class TeamChannelKind(models.TextChoices):
    TEAMS = "teams", "Microsoft Teams"
    SLACK = "slack", "Slack"


class TeamChannel(models.Model):
    """A Teams or Slack channel campaigns post to, registered by an internal curator.

    Its secret (a Teams Workflows address, which carries its own signature, or a Slack bot token)
    is stored encrypted, or named as an environment variable, and never shown again: only
    campaigns.team_channels.secrets reads it, to post.
    """

    name = models.CharField(
        max_length=120, unique=True, help_text="As curators know it, e.g. “Sales on Teams”."
    )
    kind = models.CharField(max_length=10, choices=TeamChannelKind.choices)
    slack_channel_id = models.CharField(
        "Slack channel ID",
        max_length=32,
        blank=True,
        help_text="Slack only: the ID at the bottom of the channel's details, e.g. C0123456789.",
    )
    secret_encrypted = models.TextField(blank=True, editable=False)
    secret_env_var = models.CharField(
        "secret from environment variable",
        max_length=100,
        blank=True,
        help_text="Instead of storing the secret here: the name of a TEAM_CHANNEL_… environment variable.",
    )
    is_active = models.BooleanField(
        "active", default=True, help_text="Switch off rather than delete: posts already made stay on record."
    )
    last_tested_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_test_result = models.CharField(max_length=300, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def has_secret(self) -> bool:
        return bool(self.secret_encrypted or self.secret_env_var)


class TeamPostStatus(models.TextChoices):
    PENDING = "pending", "Waiting to post"
    POSTING = "posting", "Being posted"
    POSTED = "posted", "Posted"
    FAILED = "failed", "Failed"
    UNKNOWN = "unknown", "Outcome unknown"


class TeamPost(models.Model):
    """The post ledger: one row per campaign occurrence x team channel, written before posting.

    The unique constraint and the claim (a conditional update from pending to posting) are what
    make a send started twice, or a task run twice, post once.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="team_posts")
    channel = models.ForeignKey(TeamChannel, on_delete=models.PROTECT, related_name="posts")
    occurrence = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=TeamPostStatus.choices, default=TeamPostStatus.PENDING)
    not_before = models.DateTimeField(help_text="Not posted before this: a retry waits its turn.")
    attempts = models.PositiveSmallIntegerField(default=0)
    claim = models.UUIDField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=64, blank=True, help_text="Slack's message timestamp.")
    error = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-not_before", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "occurrence", "channel"], name="team_post_once_per_occurrence"
            )
        ]
        indexes = [models.Index(fields=["status", "not_before"], name="team_post_due")]

    def __str__(self) -> str:
        return f"{self.campaign} → {self.channel.name} (send {self.occurrence})"


# WhatsApp: business-initiated messages outside the customer-service window are approved templates.


class TemplateApproval(models.TextChoices):
    APPROVED = "approved", "Approved"
    PENDING = "pending", "Pending"
    RECEIVED = "received", "Received by WhatsApp"
    REJECTED = "rejected", "Rejected"
    PAUSED = "paused", "Paused by WhatsApp"
    DISABLED = "disabled", "Disabled by WhatsApp"
    UNSUBMITTED = "unsubmitted", "Not submitted"


class TemplateCategory(models.TextChoices):
    """What WhatsApp charges for a template message: the price category."""

    MARKETING = "marketing", "Marketing"
    UTILITY = "utility", "Utility"
    AUTHENTICATION = "authentication", "Authentication"
    UNKNOWN = "", "Not categorised yet"


class WhatsAppTemplate(models.Model):
    """A content template as Twilio's Content API last told us: its words and WhatsApp's approval.

    Written only by campaigns.whatsapp.templates when a curator refreshes from Twilio; never typed
    in, so what the preview shows is what Twilio holds.
    """

    content_sid = models.CharField(max_length=34, unique=True)
    name = models.CharField(max_length=200)
    language = models.CharField(max_length=20, blank=True)
    body = models.TextField(help_text="The template's words, with {{1}}, {{2}}... where variables go.")
    sample_variables = models.JSONField(default=dict, blank=True)
    category = models.CharField(max_length=20, choices=TemplateCategory.choices, blank=True)
    approval = models.CharField(
        max_length=20, choices=TemplateApproval.choices, default=TemplateApproval.UNSUBMITTED
    )
    rejection_reason = models.CharField(max_length=300, blank=True)
    checked_at = models.DateTimeField(help_text="When Twilio was last asked.")

    class Meta:
        ordering = ["name"]
        verbose_name = "WhatsApp template"

    def __str__(self) -> str:
        return f"{self.name} ({self.get_approval_display().lower()})"

    @property
    def is_approved(self) -> bool:
        return self.approval == TemplateApproval.APPROVED


class ReadCount(models.Model):
    """WhatsApp read receipts, counted per campaign send: never which person read what."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="read_counts")
    occurrence = models.PositiveIntegerField()
    reads = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "occurrence"], name="read_count_unique_per_send")
        ]

    def __str__(self) -> str:
        return f"{self.campaign} #{self.occurrence}: {self.reads} read"


# Messages in each person's language (issue 16): the campaign's own fields are the default
# language (settings.LANGUAGE_CODE) and the fallback; a variant holds the same message in another.


class MessageVariant(models.Model):
    """A campaign's (or a journey step's) message in one more language.

    A medium the variant leaves empty falls back to the campaign's own words for that medium, so a
    curator may translate only the text: the email then goes in the default language, whole, never
    a subject in one language over a body in another (campaigns.compose.message_in).
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="variants")
    language = models.CharField(max_length=12, choices=settings.LANGUAGES)
    sms_text = models.TextField("text message", blank=True)
    email_subject = models.CharField(max_length=150, blank=True)
    email_body = models.TextField(blank=True)
    # A journey step's check, asked in this language: same letters, same right answer.
    question = models.CharField(max_length=300, blank=True)
    choices = models.JSONField(default=list, blank=True)
    # WhatsApp free text in this language (inside the 24-hour window); outside it the template
    # named like the campaign's in this language goes (campaigns.whatsapp.templates).
    whatsapp_text = models.TextField("WhatsApp free text", blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["campaign", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "language"],
                name="message_variant_once_per_language",
                violation_error_message="This campaign already has a message in that language.",
            ),
            models.CheckConstraint(
                condition=~Q(language=settings.LANGUAGE_CODE),
                name="message_variant_not_default_language",
                violation_error_message="The campaign's own fields are the default language's message.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} ({self.get_language_display()})"
