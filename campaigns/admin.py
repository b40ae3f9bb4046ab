"""Curators' admin for employees and campaigns. Contact data is shown only where curation.roles says so.

For a curator who may not see contact data (the agency), phone, email and name are absent from
every column, form, search, filter, autocomplete, export and history page: searching a real number
finds exactly what searching random digits finds. For the internal curator, viewing a record,
searching by contact data, exporting it and importing it are written to the ContactAccessLog.

Campaigns are composed here by either curator and launched, paused, resumed or cancelled only by
one with campaigns.launch_campaign; the preview and the report are counts, naming nobody.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.forms.formsets import all_valid
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST
from import_export.admin import ImportExportMixin
from import_export.forms import ConfirmImportForm, ImportForm
from import_export.results import RowResult

from campaigns import compose, consent, invitations, journeys, reports, selectors, sending
from campaigns.admin_variants import MessageVariantInline
from campaigns.emails import ONE_LINE, SUBJECT_ON_ONE_LINE
from campaigns.hashing import normalise_email
from campaigns.imports import (
    CONTACT_COLUMNS,
    SubscriberImportResult,
    SubscriberResource,
    SubscriberWithoutContactResource,
)
from campaigns.links import invitation_url
from campaigns.models import (
    Campaign,
    CampaignStatus,
    ConsentEvent,
    ConsentState,
    ContactAccessAction,
    ContactAccessLog,
    JourneyStep,
    Medium,
    Segment,
    Subscriber,
    Suppression,
    TemplateApproval,
    WhatsAppTemplate,
)
from campaigns.phones import normalise_phone
from campaigns.preview import CampaignPreview, campaign_preview, send_moment
from campaigns.sms.segments import count_segments
from campaigns.team_channels.selectors import clicks_of as team_clicks_of
from campaigns.team_channels.selectors import posts_of as team_posts_of
from campaigns.tracking import check_promotable
from channels.admin_history import HistoryAdmin
from curation.admin import apply_to_each
from curation.admin_policy import PolicyAdmin
from curation.models import Placement
from curation.people import PersonListFilter, person_name
from curation.roles import can_see_contact_data, permits

CONSENT_EVIDENCE_FIELD = forms.CharField(
    label="Consent already held elsewhere",
    required=False,
    max_length=200,
    help_text="Only if these employees already agreed to texts and emails: say where and when (e.g. "
    "'HR onboarding form, 2026'). Leave empty and they are invitees: nobody is messaged until they "
    "accept an invitation.",
)


class SubscriberImportForm(ImportForm):
    consent_evidence = CONSENT_EVIDENCE_FIELD


class SubscriberConfirmImportForm(ConfirmImportForm):
    consent_evidence = forms.CharField(required=False, widget=forms.HiddenInput)


class SubscriberForm(forms.ModelForm):
    """Numbers typed by a curator are stored as the sign-up page stores them, in E.164."""

    def clean_phone(self) -> str:
        phone = self.cleaned_data.get("phone", "")
        return normalise_phone(phone) if phone else ""

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data.get("email", ""))


class NamesField(forms.CharField):
    """A list of names typed as "Sales, Finance": what a segment's JSON list holds."""

    def prepare_value(self, value: object) -> object:
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value: str | None) -> list[str]:
        return [name.strip() for name in (value or "").split(",") if name.strip()]


class SegmentForm(forms.ModelForm):
    departments = NamesField(
        required=False, help_text="Any of these departments, separated by commas. Empty: every department."
    )
    locations = NamesField(
        required=False, help_text="Any of these locations, separated by commas. Empty: every location."
    )

    class Meta:
        model = Segment
        fields = ["name", "medium", "departments", "locations", "topics"]


CONTACT_LOOKUPS = frozenset({*CONTACT_COLUMNS, "phone_hash", "email_hash"})


def log_contact_access(request: HttpRequest, action: str, count: int, detail: str = "") -> None:
    ContactAccessLog.objects.create(
        user=request.user, action=action, subscriber_count=count, detail=detail[:200]
    )


def as_phone_number(search_term: str) -> str:
    """The term in E.164 if it is a phone number, so "07400 123456" finds "+447400123456"."""
    try:
        return normalise_phone(search_term)
    except ValidationError:
        return ""


class InvitedFilter(admin.SimpleListFilter):
    title = "invited"
    parameter_name = "invited"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("never", "Never invited"), ("once", "Invited once"), ("twice", "Invited twice")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Subscriber]) -> QuerySet[Subscriber]:
        counts = {"never": 0, "once": 1, "twice": 2}
        if not self.value():
            return queryset
        if self.value() not in counts:
            # The changelist answers this with its "wrong query" notice instead of a 500.
            raise IncorrectLookupParameters(f"“{self.value()}” is not a choice of the invited filter.")
        return queryset.filter(invitations_sent=counts[self.value()])


class ConsentEventInline(admin.TabularInline):
    model = ConsentEvent
    fields = ["occurred_at", "medium", "action", "source", "evidence"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-occurred_at"]

    def has_add_permission(self, request: HttpRequest, obj: Subscriber | None = None) -> bool:
        return False


@admin.register(Subscriber)
class SubscriberAdmin(PolicyAdmin, ImportExportMixin, HistoryAdmin):
    # Few columns, so the list fits a laptop with contact data shown; media and invitations are
    # filters, and each employee's page has the rest.
    list_display = ["__str__", "where", "topic_names", "consent"]
    list_filter = [
        "sms_state",
        "email_state",
        "preferred_media",
        InvitedFilter,
        "department",
        "location",
        "topics",
    ]
    form = SubscriberForm
    list_per_page = 50
    show_full_result_count = False
    inlines = [ConsentEventInline]
    actions = ["send_invitation"]
    import_template_name = "admin/campaigns/subscriber/import.html"
    import_form_class = SubscriberImportForm
    confirm_form_class = SubscriberConfirmImportForm
    resource_classes = [SubscriberResource]
    readonly_fields = [
        "sms_state",
        "email_state",
        "invitations_sent",
        "last_invited_at",
        "created_at",
        "invitation",
    ]

    # Privacy between the roles.
    # Deleting an employee is erasing them: their addresses stay suppressed as keyed hashes, so a
    # later import cannot bring them back.
    def delete_model(self, request: HttpRequest, obj: Subscriber) -> None:
        consent.erase_subscriber(subscriber=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Subscriber]) -> None:
        for subscriber in queryset:
            consent.erase_subscriber(subscriber=subscriber)

    def get_list_display(self, request: HttpRequest) -> list[str]:
        if can_see_contact_data(request.user):
            return ["__str__", "display_name", "phone", "email", *self.list_display[1:]]
        return self.list_display

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        if can_see_contact_data(request.user):
            return ["phone", "email", "display_name", "department", "location"]
        return ["department", "location"]

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        """Django lets any field be filtered from the address (?phone=...); a curator who may not see
        contact data could then test whether a number is held. Refused whatever the value."""
        if lookup.split(LOOKUP_SEP)[0] in CONTACT_LOOKUPS and not (
            request and can_see_contact_data(request.user)
        ):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_exclude(self, request: HttpRequest, obj: Subscriber | None = None) -> list[str]:
        return [] if can_see_contact_data(request.user) else list(CONTACT_COLUMNS)

    def get_fields(self, request: HttpRequest, obj: Subscriber | None = None) -> list[str]:
        fields = ["department", "location", "time_zone", "language", "topics", "preferred_media"]
        if obj is not None:  # States, invitations and the invitation text exist once someone is saved.
            fields += self.readonly_fields
        return [*CONTACT_COLUMNS, *fields] if can_see_contact_data(request.user) else fields

    @admin.display(description="Department, location", ordering="department")
    def where(self, subscriber: Subscriber) -> str:
        return ", ".join(part for part in (subscriber.department, subscriber.location) if part) or "—"

    @admin.display(description="Texts / emails / WhatsApp")
    def consent(self, subscriber: Subscriber) -> str:
        states = (subscriber.sms_state, subscriber.email_state, subscriber.whatsapp_state)
        return " / ".join(ConsentState(state).label for state in states)

    @admin.display(description="Topics")
    def topic_names(self, subscriber: Subscriber) -> str:
        return ", ".join(topic.name for topic in subscriber.topics.all())

    def get_queryset(self, request: HttpRequest) -> QuerySet[Subscriber]:
        return super().get_queryset(request).prefetch_related("topics")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Subscriber], search_term: str
    ) -> tuple[QuerySet[Subscriber], bool]:
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term and can_see_contact_data(request.user):
            number = as_phone_number(search_term)
            if number:
                results |= queryset.filter(phone=number)
            # The term itself is not kept: it may be a phone number, which erasure must not leave behind.
            log_contact_access(request, ContactAccessAction.SEARCHED, results.count())
        return results, may_have_duplicates

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None and can_see_contact_data(request.user):
            log_contact_access(
                request, ContactAccessAction.VIEWED, len(changelist.result_list), "Subscriber list"
            )
        return response

    def change_view(
        self, request: HttpRequest, object_id: str, *args: object, **kwargs: object
    ) -> HttpResponse:
        if request.method == "GET" and can_see_contact_data(request.user):
            log_contact_access(request, ContactAccessAction.VIEWED, 1, f"Subscriber #{object_id}")
        return super().change_view(request, object_id, *args, **kwargs)

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        """A past version's page shows today's phone and email (history keeps none of its own)."""
        response = super().history_form_view(request, object_id, version_id, extra_context)
        if response.status_code == 200 and can_see_contact_data(request.user):
            log_contact_access(
                request, ContactAccessAction.VIEWED, 1, f"Subscriber #{object_id}, past version {version_id}"
            )
        return response

    # Import and export.
    def get_export_resource_classes(self, request: HttpRequest) -> list[type]:
        if can_see_contact_data(request.user):
            return [SubscriberResource]
        return [SubscriberWithoutContactResource]

    def get_data_for_export(self, request: HttpRequest, queryset: QuerySet[Subscriber], **kwargs: object):
        data = super().get_data_for_export(request, queryset, **kwargs)
        if can_see_contact_data(request.user):
            log_contact_access(request, ContactAccessAction.EXPORTED, len(data))
        return data

    def get_import_resource_kwargs(self, request: HttpRequest, **kwargs: object) -> dict[str, object]:
        form = kwargs.get("form")
        evidence = form.cleaned_data.get("consent_evidence", "") if form and form.is_valid() else ""
        return {**super().get_import_resource_kwargs(request, **kwargs), "consent_evidence": evidence}

    def get_confirm_form_initial(
        self, request: HttpRequest, import_form: ImportForm | None
    ) -> dict[str, object]:
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["consent_evidence"] = import_form.cleaned_data.get("consent_evidence", "")
        return initial

    def process_result(self, result: SubscriberImportResult, request: HttpRequest) -> HttpResponse:
        """Runs once the curator has confirmed: the file's contact data is now held, so it is logged."""
        saved = result.totals[RowResult.IMPORT_TYPE_NEW] + result.totals[RowResult.IMPORT_TYPE_UPDATE]
        log_contact_access(request, ContactAccessAction.IMPORTED, saved, "Subscriber import")
        return super().process_result(result, request)

    def add_success_message(self, result: SubscriberImportResult, request: HttpRequest) -> None:
        self.message_user(request, f"Import finished. {result.summary()}", messages.SUCCESS)

    # Invitations.
    @admin.display(description="Invitation text")
    def invitation(self, subscriber: Subscriber) -> str:
        """The text as sent, its cost counted on the real personal link, which is not shown here."""
        sent = invitations.invitation_text(invitation_url(subscriber))
        return f"{invitations.invitation_text('[personal sign-up link]')} — {count_segments(sent)}"

    @admin.action(description="Send invitation to selected employees", permissions=["change"])
    def send_invitation(self, request: HttpRequest, queryset: QuerySet[Subscriber]) -> None:
        refused = []

        def invite(subscriber: Subscriber) -> None:
            try:
                invitations.invite(subscriber=subscriber, by=request.user)
            except ValidationError:
                refused.append(subscriber)
                raise

        apply_to_each(self, request, queryset, invite, "Sent", "invitation")
        if refused:
            self.message_user(request, f"Not sent: {len(refused)}, for the reasons given.", messages.WARNING)


@admin.register(Segment)
class SegmentAdmin(PolicyAdmin, HistoryAdmin):
    form = SegmentForm
    list_display = ["name", "medium", "criteria", "members"]
    filter_horizontal = ["topics"]
    search_fields = ["name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Segment]:
        queryset = super().get_queryset(request).prefetch_related("topics")
        return queryset.annotate(member_count=selectors.member_count())

    @admin.display(description="Rule")
    def criteria(self, segment: Segment) -> str:
        parts = []
        if segment.departments:
            parts.append("department: " + ", ".join(segment.departments))
        if segment.locations:
            parts.append("location: " + ", ".join(segment.locations))
        topics = [topic.name for topic in segment.topics.all()]
        if topics:
            parts.append("topics: " + ", ".join(topics))
        return "; ".join(parts) or "Everyone subscribed"

    @admin.display(description="Members now", ordering="member_count")
    def members(self, segment: Segment) -> int:
        return segment.member_count


@admin.register(Suppression)
class SuppressionAdmin(PolicyAdmin, admin.ModelAdmin):
    """Read-only: only the employee's own verified opt-in lifts a suppression (campaigns.consent)."""

    list_display = ["fingerprint", "medium", "reason", "created_at"]
    list_filter = ["medium", "reason"]
    show_full_result_count = False

    @admin.display(description="Fingerprint")
    def fingerprint(self, suppression: Suppression) -> str:
        return suppression.address_hash[:12] + "…"


@admin.register(ContactAccessLog)
class ContactAccessLogAdmin(PolicyAdmin, admin.ModelAdmin):
    list_display = ["occurred_at", "user_name", "action", "subscriber_count", "detail"]
    list_filter = ["action", ("user", PersonListFilter)]
    list_select_related = ["user"]
    show_full_result_count = False

    @admin.display(description="User", ordering="user__first_name")
    def user_name(self, entry: ContactAccessLog) -> str:
        return person_name(entry.user)


CAMPAIGN_FIELDSETS = [
    (None, {"fields": ["name", "slug", "purpose"]}),
    ("Message", {"fields": ["placements", "sms_text", "email_subject", "email_body", "ask_useful"]}),
    ("WhatsApp", {"fields": ["whatsapp_template", "whatsapp_variables", "whatsapp_text"]}),
    ("Audience", {"fields": ["segments", "media"]}),
    ("Schedule", {"fields": ["send_at", "repeat"]}),
    ("Team channels", {"fields": ["team_channels", "team_post_title", "team_post_text"]}),
]
CAMPAIGN_INPUTS = [name for _, options in CAMPAIGN_FIELDSETS for name in options["fields"]]
CAMPAIGN_STATUS = [
    "status",
    "paused_reason",
    "progress",
    "next_send_at",
    "occurrence",
    "launched_by_name",
    "launched_at",
]


class CampaignForm(forms.ModelForm):
    """Refuses what launching would refuse anyway, where the curator is typing it."""

    class Meta:
        model = Campaign
        fields = CAMPAIGN_INPUTS

    def clean(self) -> dict:
        cleaned = super().clean()
        for name in ("sms_text", "email_subject", "email_body", "whatsapp_text"):
            try:
                compose.check_placeholders(cleaned.get(name) or "")
            except ValidationError as error:
                self.add_error(name, error)
        if ONE_LINE.search(cleaned.get("email_subject") or ""):  # a crafted POST: a header of its own
            self.add_error("email_subject", SUBJECT_ON_ONE_LINE)
        variables = cleaned.get("whatsapp_variables")
        if variables is not None and not (
            isinstance(variables, dict) and all(isinstance(value, str) for value in variables.values())
        ):
            self.add_error(
                "whatsapp_variables", 'Give each variable as words, e.g. {"1": "first_name", "2": "links"}.'
            )
        for placement in cleaned.get("placements") or []:
            try:
                check_promotable(placement)
            except ValidationError as error:
                self.add_error("placements", error)
        return cleaned


@dataclass(frozen=True)
class LaunchSummary:
    """What the launch confirmation says: who gets what, when, and what the texts cost."""

    media: str  # "text and email"
    reach: list[str]  # per medium: "3 people by text"
    messages: int  # a person sent a text and an email counts in each
    waiting: int  # messages outside the person's working hours when it goes: sent when their day starts
    cost: Decimal | None
    currency: str
    sends_at: datetime | None  # None: now


MEDIUM_WORDS = {Medium.SMS: "text", Medium.EMAIL: "email", Medium.WHATSAPP: "WhatsApp"}


def people(count: int) -> str:
    return f"{count} {'person' if count == 1 else 'people'}"


def launch_summary(campaign: Campaign, preview: CampaignPreview) -> LaunchSummary:
    costs = [medium.estimated_cost for medium in preview.media if medium.estimated_cost is not None]
    planned = send_moment(campaign, timezone.now())
    return LaunchSummary(
        media=" and ".join(MEDIUM_WORDS[medium.medium] for medium in preview.media) or "team channels only",
        reach=[f"{people(medium.to_send)} by {MEDIUM_WORDS[medium.medium]}" for medium in preview.media],
        messages=sum(medium.to_send for medium in preview.media),
        waiting=sum(medium.outside_hours for medium in preview.media),
        cost=sum(costs, Decimal(0)) if costs else None,
        currency=settings.SMS_PRICE_CURRENCY,
        sends_at=planned if planned > timezone.now() else None,
    )


def formset_errors(formset) -> list[str]:
    """An inline's errors as the preview page lists them: "Français: <the error>"."""
    found = []
    for form in formset.forms:
        label = form.cleaned_data.get("language", "") if hasattr(form, "cleaned_data") else ""
        prefix = f"{compose.language_name(label)}: " if label else ""
        found += [f"{prefix}{error}" for errors in form.errors.values() for error in errors]
    return found


# Each button: the service it calls and the statuses it applies to.
CAMPAIGN_CONTROLS: dict[str, tuple[Callable[..., object], tuple[str, ...]]] = {
    "launch": (sending.launch, (CampaignStatus.DRAFT,)),
    "pause": (sending.pause, (CampaignStatus.SCHEDULED, CampaignStatus.SENDING)),
    "resume": (sending.resume, (CampaignStatus.PAUSED,)),
    "cancel": (sending.cancel, (CampaignStatus.SCHEDULED, CampaignStatus.SENDING, CampaignStatus.PAUSED)),
}


def journey_step_of(campaign: Campaign) -> JourneyStep | None:
    """The step whose message this campaign is, if it is one."""
    try:
        return campaign.journey_step
    except JourneyStep.DoesNotExist:
        return None


# A step's audience is whoever is enrolled and its timing is the step's: no segments, no schedule.
STEP_FIELDSETS = [
    fieldset
    for fieldset in CAMPAIGN_FIELDSETS
    if fieldset[0] not in ("Audience", "Schedule", "Team channels")
]


class KindFilter(admin.SimpleListFilter):
    """Journey steps' messages are run by their journeys: the list shows campaigns unless asked."""

    title = "kind"
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("campaigns", "Campaigns"), ("steps", "Journey steps")]

    def choices(self, changelist):
        shown = self.value() or "campaigns"
        for lookup, title in self.lookup_choices:
            yield {
                "selected": shown == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> QuerySet[Campaign]:
        if self.value() not in (None, "campaigns", "steps"):
            raise IncorrectLookupParameters(f"“{self.value()}” is not a choice of the kind filter.")
        return queryset.filter(journey_step__isnull=self.value() != "steps")


@admin.register(Campaign)
class CampaignAdmin(PolicyAdmin, HistoryAdmin):
    form = CampaignForm
    change_form_template = "admin/campaigns/campaign/change_form.html"
    list_display = ["name", "status", "media", "next_send_at", "progress"]
    list_filter = [KindFilter, "status"]
    search_fields = ["name", "slug"]
    autocomplete_fields = ["placements", "segments"]
    readonly_fields = [*CAMPAIGN_STATUS, "preview"]
    inlines = [MessageVariantInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Campaign]:
        return reports.with_progress(super().get_queryset(request)).select_related("journey_step__journey")

    def get_fieldsets(self, request: HttpRequest, obj: Campaign | None = None) -> list:
        if obj is None:  # Status and preview exist once the draft is saved.
            return CAMPAIGN_FIELDSETS
        return [
            *(STEP_FIELDSETS if journey_step_of(obj) else CAMPAIGN_FIELDSETS),
            ("Status", {"fields": CAMPAIGN_STATUS}),
            (
                "Preview",
                {
                    "fields": ["preview"],
                    "description": "As saved. To see your changes before saving, press “Preview changes”.",
                },
            ),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Campaign | None = None) -> list[str]:
        # Who may change what (drafts; a launcher until it sends) is curation.roles' rule; a page
        # one may not change is shown read-only by the admin itself.
        if obj is not None and not self.has_change_permission(request, obj):
            return [*CAMPAIGN_INPUTS, *self.readonly_fields]
        if obj is not None and obj.launched_at:  # utm_campaign stays the same for every send
            return ["slug", *self.readonly_fields]
        return self.readonly_fields

    def get_prepopulated_fields(self, request: HttpRequest, obj: Campaign | None = None) -> dict:
        """Only on the add page. Not the `prepopulated_fields` attribute: simple_history's page of a
        past version reads that, and fails on a slug the page shows read-only."""
        return {"slug": ["name"]} if obj is None else {}

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs: object):
        if db_field.name == "whatsapp_template":  # outside the window WhatsApp takes nothing else
            kwargs["queryset"] = WhatsAppTemplate.objects.filter(approval=TemplateApproval.APPROVED)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs: object):
        if db_field.name == "placements":  # check_promotable reads each one's item and channel
            kwargs["queryset"] = Placement.objects.select_related("item", "channel")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def offer_for_picker(self, field_name: str, queryset: QuerySet) -> QuerySet:
        """The placement picker offers only what the form and the launch accept."""
        if field_name == "placements":
            return queryset.filter(pk__in=selectors.promotable_placements().values("pk"))
        return queryset

    @admin.display(description="Launched by")
    def launched_by_name(self, campaign: Campaign) -> str:
        return person_name(campaign.launched_by) or "—"

    @admin.display(description="Progress")
    def progress(self, campaign: Campaign) -> str:
        return str(reports.progress(campaign))

    @admin.display(description="Preview")
    def preview(self, campaign: Campaign) -> str:
        step = journey_step_of(campaign)
        preview = campaign_preview(campaign)
        return render_to_string(
            "admin/campaigns/campaign/preview.html",
            {
                "preview": preview,
                "is_draft": campaign.status == CampaignStatus.DRAFT,
                "step": step,
                "step_problems": journeys.step_problems(step) if step else [],
            },
        )

    # Launching and reporting, on pages of their own under the campaign's change page.
    def get_urls(self) -> list:
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view
        controls = [
            path(
                f"<path:object_id>/{action}/",
                view(functools.partial(self.control_view, action=action)),
                name=f"{prefix}_{action}",
            )
            for action in CAMPAIGN_CONTROLS
            if action != "launch"
        ]
        return [
            path("<path:object_id>/launch/", view(self.launch_view), name=f"{prefix}_launch"),
            path("<path:object_id>/preview/", view(self.preview_view), name=f"{prefix}_preview"),
            *controls,
            path("<path:object_id>/report/", view(self.report_view), name=f"{prefix}_report"),
            path("<path:object_id>/report.csv", view(self.report_csv_view), name=f"{prefix}_report_csv"),
            *super().get_urls(),
        ]

    def viewable(self, request: HttpRequest, object_id: str) -> Campaign:
        campaign = self.get_object(request, object_id)
        if campaign is None:
            raise Http404("No such campaign.")
        if not self.has_view_or_change_permission(request, campaign):
            raise PermissionDenied
        return campaign

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        campaign = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if campaign is not None:
            context["journey_step"] = journey_step_of(campaign)
            context["controls"] = [
                action
                for action, (_, statuses) in CAMPAIGN_CONTROLS.items()
                if permits(request.user, action, campaign)
                and campaign.status in statuses
                and not context["journey_step"]  # its journey's buttons launch, pause and end it
            ]
        return super().change_view(request, object_id, form_url, context)

    def launch_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """GET: what launching will do, to confirm; POST (the confirmation's button): launch."""
        if request.method == "POST":
            return self.control_view(request, object_id, action="launch")
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET", "POST"])
        campaign = self.viewable(request, object_id)
        if not permits(request.user, "launch", campaign):
            raise PermissionDenied
        if journey_step_of(campaign):
            return self.to_the_journey(request, campaign)
        preview = campaign_preview(campaign)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": campaign,
            "title": f"Launch “{campaign}”?",
            "is_draft": campaign.status == CampaignStatus.DRAFT,
            "preview": preview,
            "launch": launch_summary(campaign, preview),
        }
        return TemplateResponse(request, "admin/campaigns/campaign/launch_confirm.html", context)

    @method_decorator(require_POST)
    def preview_view(self, request: HttpRequest, object_id: str) -> TemplateResponse:
        """The preview of the form as it is on the curator's screen, saved nowhere: the edits are
        saved inside a transaction that is rolled back once the preview is worked out."""
        campaign = self.viewable(request, object_id)
        if not self.has_change_permission(request, campaign):
            raise PermissionDenied
        # The form edits a copy: the page's title and breadcrumbs name the campaign as saved.
        edited = self.get_object(request, object_id)
        form = self.get_form(request, campaign, change=True)(request.POST, instance=edited)
        # The messages in other languages as typed too (the inline forms under the campaign's).
        formsets, _ = self._create_formsets(request, edited, change=True)
        preview = None
        if form.is_valid() and all_valid(formsets):
            with transaction.atomic():
                saved = form.save()
                for formset in formsets:
                    formset.save()
                preview = campaign_preview(saved)
                transaction.set_rollback(True)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": campaign,
            "title": f"Preview of your changes to “{campaign}”",
            "form": form,
            "inline_errors": [
                error
                for formset in formsets
                for error in [*formset.non_form_errors(), *formset_errors(formset)]
            ],
            "preview": preview,
            "is_draft": campaign.status == CampaignStatus.DRAFT,
            # The fields as typed, so "Save these changes" saves exactly what was previewed.
            "posted": [
                (name, value)
                for name, values in request.POST.lists()
                for value in values
                if name != "csrfmiddlewaretoken" and not name.startswith("_")
            ],
        }
        return TemplateResponse(request, "admin/campaigns/campaign/preview_changes.html", context)

    @method_decorator(require_POST)
    def control_view(self, request: HttpRequest, object_id: str, action: str) -> HttpResponse:
        campaign = self.viewable(request, object_id)
        if not permits(request.user, action, campaign):
            raise PermissionDenied
        if journey_step_of(campaign):
            return self.to_the_journey(request, campaign)
        service, _ = CAMPAIGN_CONTROLS[action]
        try:
            service(campaign=campaign, by=request.user)
        except PermissionDenied as refused:
            self.message_user(request, str(refused), messages.ERROR)
        except ValidationError as refused:
            for problem in refused.messages:
                self.message_user(request, problem, messages.ERROR)
        else:
            campaign.refresh_from_db()
            self.message_user(request, f"“{campaign}” is now {campaign.get_status_display().lower()}.")
        return redirect("admin:campaigns_campaign_change", campaign.pk)

    def to_the_journey(self, request: HttpRequest, campaign: Campaign) -> HttpResponse:
        step = journey_step_of(campaign)
        self.message_user(
            request,
            f"“{campaign}” is step {step.position} of the journey “{step.journey}”: "
            "the journey's buttons launch, pause and end it.",
            messages.WARNING,
        )
        return redirect("admin:campaigns_journey_change", step.journey_id)

    def report_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        campaign = self.viewable(request, object_id)
        step = journey_step_of(campaign)
        if step:  # one report per journey, published by the small-count rule, instead of exact counts
            return redirect("admin:campaigns_journey_report", step.journey_id)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": campaign,
            "title": f"Report: {campaign}",
            "rows": reports.campaign_report(campaign),
            "progress": reports.progress(campaign),
            "refresh": reports.refresh(campaign),
            "ga4_note": reports.GA4_NOTE,
            "email_feedback": reports.email_feedback(campaign) if campaign.sends(Medium.EMAIL) else None,
            "team_posts": team_posts_of(campaign),
            "team_clicks": team_clicks_of(campaign),
        }
        return TemplateResponse(request, "admin/campaigns/campaign/report.html", context)

    def report_csv_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        campaign = self.viewable(request, object_id)
        step = journey_step_of(campaign)
        if step:
            return redirect("admin:campaigns_journey_report_csv", step.journey_id)
        response = HttpResponse(reports.report_csv(campaign), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.slug}.csv"'
        return response


# The journey admin registers beside the campaign admin whose composer its steps use.
from campaigns import admin_journeys, admin_team_channels, admin_whatsapp  # noqa: E402, F401
