from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q, QuerySet
from django.forms import BaseInlineFormSet, Textarea
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from channels.admin import HTTPS_URL_FIELDS
from channels.admin_history import HistoryAdmin
from curation import (  # noqa: F401 - admin_reviews and admin_wishes register their admins
    admin_inbox,
    admin_reviews,
    admin_sources,
    admin_wishes,
    linkcheck,
    services,
)
from curation.admin_pickers import OddPickerValuesAdmin
from curation.admin_policy import PolicyAdmin
from curation.compliance import channels_open_to
from curation.forms import RetireForm
from curation.models import ContentItem, Lifecycle, Placement, Topic
from curation.people import PersonListFilter, person_name


def apply_to_each(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    service: Callable[[object], object],
    done: str,
    noun: str = "item",
) -> None:
    """Run a service on every selected row, reporting how many succeeded and why others did not.

    Shared by admin actions in every app: "Retired 3 items.", "Sent 1 invitation."
    """
    succeeded = 0
    for row in queryset:
        try:
            service(row)
        except ValidationError as error:
            modeladmin.message_user(request, " ".join(error.messages), messages.WARNING)
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, f"{done} {succeeded} {noun}{'s' if succeeded != 1 else ''}.")


@admin.register(Topic)
class TopicAdmin(PolicyAdmin, admin.ModelAdmin):
    list_display = ["name", "live_items", "all_items"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Topic]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                item_count=Count("items", distinct=True),
                live_item_count=Count("items", filter=Q(items__lifecycle=Lifecycle.LIVE), distinct=True),
            )
        )

    @admin.display(description="Live items", ordering="live_item_count")
    def live_items(self, topic: Topic) -> int:
        return topic.live_item_count

    @admin.display(description="All items", ordering="item_count")
    def all_items(self, topic: Topic) -> int:
        return topic.item_count


def offer_channels_open_to(form: forms.BaseForm, item: ContentItem | None) -> None:
    """A restricted item's channel picker lists only the channels the compliance guard allows.

    A plain list, not the autocomplete, which answers the same for every item. Only what is
    offered narrows: a public channel posted anyway still gets the guard's own explanation.
    """
    field = form.fields.get("channel")
    if field is None or item is None or not item.is_restricted:
        return
    offered = forms.ModelChoiceField(queryset=channels_open_to(item.sensitivity).order_by("name"))
    picker = forms.Select(choices=offered.choices)
    if isinstance(field.widget, RelatedFieldWidgetWrapper):  # keeps the admin's add / change links
        field.widget.widget, field.widget.choices = picker, picker.choices
    else:
        field.widget = picker


class PlacementFormSet(BaseInlineFormSet):
    def _construct_form(self, i: int, **kwargs: object):
        form = super()._construct_form(i, **kwargs)
        # Validate against the item as edited on this page, not as stored: the compliance guard
        # must see a sensitivity chosen in the same save.
        form.instance.item = self.instance
        return form

    def add_fields(self, form: forms.BaseForm, index: int | None) -> None:
        super().add_fields(form, index)  # every row, and the blank row "Add another" copies
        offer_channels_open_to(form, self.instance if self.instance.pk else None)


class PlacementForm(forms.ModelForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        offer_channels_open_to(self, self.item_chosen())

    def item_chosen(self) -> ContentItem | None:
        """The placement's item; on the add page, the one posted or given as ?item=<id>."""
        if self.instance.item_id:
            return self.instance.item
        chosen = self.data.get("item") if self.is_bound else self.initial.get("item")
        try:
            return ContentItem.objects.filter(pk=chosen).first() if chosen else None
        except (ValueError, TypeError, ValidationError):
            return None  # Not an id: the form's own validation says so.


class PlacementInline(OddPickerValuesAdmin, admin.TabularInline):
    model = Placement
    formset = PlacementFormSet
    formfield_overrides = HTTPS_URL_FIELDS
    fields = ["channel", "url", "external_id", "published_on", "is_reachable"]
    autocomplete_fields = ["channel"]
    extra = 1


@admin.register(ContentItem)
class ContentItemAdmin(PolicyAdmin, HistoryAdmin):
    formfield_overrides = {models.TextField: {"widget": Textarea(attrs={"rows": 3, "cols": 80})}}
    list_display = [
        "title",
        "format",
        "stage",
        "sensitivity",
        "lifecycle",
        "channel_names",
        "owner_name",
        "updated_at",
    ]
    list_filter = [
        "lifecycle",
        "stage",
        "sensitivity",
        "format",
        ("placements__channel__platform", admin.ChoicesFieldListFilter),
        "topics",
        ("owner", PersonListFilter),
    ]
    list_select_related = ["owner"]
    search_fields = ["title", "summary", "topics__name"]
    autocomplete_fields = ["topics"]
    date_hierarchy = "created_at"
    inlines = [PlacementInline]
    actions = ["start_production", "mark_live", "retire"]
    readonly_fields = [
        "lifecycle",
        "live_since",
        "retired_on",
        "retired_reason",
        "successor",
        "review_decisions",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["title", "summary", "format", "topics", "owner"]}),
        ("Learner power and sensitivity", {"fields": ["stage", "sensitivity"]}),
        (
            "Lifecycle",
            {
                "description": "Use the list's actions to start production, put live or retire.",
                "fields": [
                    "lifecycle",
                    "live_since",
                    "retired_on",
                    "retired_reason",
                    "successor",
                    "review_decisions",
                ],
            },
        ),
        ("Record", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ContentItem]:
        return super().get_queryset(request).prefetch_related("placements__channel")

    @admin.display(description="Review decisions")
    def review_decisions(self, item: ContentItem) -> str:
        if item.pk is None:
            return "—"
        url = reverse("admin:curation_decision_changelist") + f"?item__id__exact={item.pk}"
        return format_html('<a href="{}">What review meetings decided about it</a>', url)

    @admin.display(description="Owner", ordering="owner__first_name")
    def owner_name(self, item: ContentItem) -> str:
        return person_name(item.owner) or "—"

    @admin.display(description="Channels")
    def channel_names(self, item: ContentItem) -> str:
        names = sorted({placement.channel.name for placement in item.placements.all()})
        return ", ".join(names) or "—"

    @admin.action(description="Start production of selected ideas", permissions=["change"])
    def start_production(self, request: HttpRequest, queryset: QuerySet[ContentItem]) -> None:
        apply_to_each(self, request, queryset, lambda item: services.start_production(item=item), "Started")

    @admin.action(description="Mark selected items live", permissions=["change"])
    def mark_live(self, request: HttpRequest, queryset: QuerySet[ContentItem]) -> None:
        apply_to_each(self, request, queryset, lambda item: services.mark_live(item=item), "Put live")

    @admin.action(description="Retire selected items…", permissions=["change"])
    def retire(self, request: HttpRequest, queryset: QuerySet[ContentItem]) -> TemplateResponse | None:
        form = RetireForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            reason, successor = form.cleaned_data["reason"], form.cleaned_data["successor"]
            apply_to_each(
                self,
                request,
                queryset,
                lambda item: services.retire_item(item=item, reason=reason, successor=successor),
                "Retired",
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "items": queryset,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "title": "Retire items",
        }
        return TemplateResponse(request, "admin/curation/contentitem/retire.html", context)


class ReachabilityFilter(admin.SimpleListFilter):
    title = "reachability"
    parameter_name = "reachability"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("reachable", "Reachable"), ("unreachable", "Gone or private"), ("never", "Never checked")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Placement]) -> QuerySet[Placement]:
        if self.value() == "reachable":
            return queryset.filter(is_reachable=True, reachability_checked_at__isnull=False)
        if self.value() == "unreachable":
            return queryset.filter(is_reachable=False)
        if self.value() == "never":
            return queryset.filter(reachability_checked_at__isnull=True)
        return queryset


# Checked while the curator waits, politely spaced per site: more belongs to the hourly run.
CHECK_NOW_LIMIT = 20


@admin.register(Placement)
class PlacementAdmin(PolicyAdmin, HistoryAdmin):
    form = PlacementForm
    formfield_overrides = HTTPS_URL_FIELDS
    # The address and id are on the placement's page: the list keeps room for reachability.
    list_display = ["item", "channel", "published_on", "reachability", "last_checked"]
    list_filter = [
        ("channel__platform", admin.ChoicesFieldListFilter),
        ReachabilityFilter,
        "item__lifecycle",
        "channel",
    ]
    list_select_related = ["item", "channel"]
    search_fields = ["item__title", "url", "external_id"]
    autocomplete_fields = ["item", "channel"]
    readonly_fields = ["reachability_checked_at", "created_at"]
    actions = ["check_links_now"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Placement]:
        # Each placement is named by its item and channel: in pickers (a campaign's, a figure's)
        # as well as in the list, one query for them all.
        return super().get_queryset(request).select_related("item", "channel")

    @admin.display(description="Reachable", ordering="is_reachable", boolean=True)
    def reachability(self, placement: Placement) -> bool | None:
        """Unknown (never checked) is not the same as reachable."""
        return placement.is_reachable if placement.reachability_checked_at else None

    @admin.display(description="Last checked", ordering="reachability_checked_at")
    def last_checked(self, placement: Placement) -> str:
        checked_at = placement.reachability_checked_at
        return date_format(timezone.localtime(checked_at), "j M Y, H:i") if checked_at else "Never"

    @admin.action(description="Check links now", permissions=["change"])
    def check_links_now(self, request: HttpRequest, queryset: QuerySet[Placement]) -> None:
        if queryset.count() > CHECK_NOW_LIMIT:
            self.message_user(
                request,
                f"Select at most {CHECK_NOW_LIMIT} placements to check now; "
                "the hourly check covers the rest.",
                messages.WARNING,
            )
            return
        report = linkcheck.check_placements(placements=queryset)
        self.message_user(request, report.summary())
        for row in report.checked:
            if row.result.verdict != linkcheck.Verdict.REACHABLE:
                level = messages.WARNING if row.result.is_definite else messages.INFO
                self.message_user(
                    request, f"{row.result.verdict.label}: {row.placement} ({row.result.detail})", level
                )
        for note in report.stranded_notes():
            self.message_user(request, note, messages.WARNING)
