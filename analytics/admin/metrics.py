"""DailyMetric, RetentionPoint and CampaignSessions admins, and the platform-export import.

Figures pulled from GA4 or YouTube, or imported from a platform's export, are shown as the source
gave them and not edited here: the next sync or import would silently put them back. A curator
types figures by hand only as rows of their own, with source "manual".
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from import_export.admin import ImportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ConfirmImportForm, ImportForm

from analytics.imports import (
    EXPORT_FORMATS,
    PLATFORM_FORMATS,
    MetricImportResult,
    PlatformExportResource,
    export_format_for,
    format_choices,
)
from analytics.models import FIGURES, CampaignSessions, DailyMetric, RetentionPoint, Source
from channels.models import Channel, MetricSource
from curation.admin_policy import PolicyAdmin
from curation.people import person_name

DEFAULT_FORMAT_HELP = (
    "By default, the export format of the channel's platform: "
    + "; ".join(f"{platform.label}: {export.label}" for platform, export in PLATFORM_FORMATS.items())
    + ". Other platforms: the generic file."
)


def imported_channels(**kwargs: object) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=Channel.objects.filter(metric_source=MetricSource.CSV_IMPORT), **kwargs
    )


class MetricImportForm(ImportForm):
    channel = imported_channels(
        help_text="Only channels measured by imports of their platform's export are listed."
    )
    export_format = forms.ChoiceField(
        choices=[("", "Same as the channel's platform"), *format_choices()],
        required=False,
        help_text=DEFAULT_FORMAT_HELP,
    )
    field_order = ["channel", "export_format", "resource", "import_file", "format"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["format"].label = "File type"  # "format" alone reads as the export format


class MetricConfirmImportForm(ConfirmImportForm):
    channel = imported_channels(widget=forms.HiddenInput)
    export_format = forms.ChoiceField(choices=format_choices(), widget=forms.HiddenInput)


class ManualFiguresForm(forms.ModelForm):
    """Figures typed by a curator, e.g. a week's totals read off a platform's own page."""

    class Meta:
        model = DailyMetric
        fields = ["placement", "date", *FIGURES]
        help_texts = {"date": "The day the figures are for. For a week's totals, the Monday the week starts."}

    def clean(self) -> dict:
        cleaned = super().clean()
        if not any(cleaned.get(name) is not None for name in FIGURES):
            raise forms.ValidationError("Enter at least one figure. Leave the ones you do not have blank.")
        # The source is not a form field, so Django's own check of placement, date and source skips it.
        placement, day = cleaned.get("placement"), cleaned.get("date")
        held = DailyMetric.objects.filter(placement=placement, date=day, source=Source.MANUAL)
        if placement and day and held.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                f"Figures typed by hand for {placement} on {day:%d %b %Y} are already held: change those."
            )
        return cleaned


ENTRY_FIELDSETS = [
    (None, {"fields": ["placement", "date"]}),
    (
        "Figures",
        {
            "fields": list(FIGURES),
            "description": "Leave a figure blank when you do not have it: blank is “no data”, 0 is “nobody”.",
        },
    ),
]


@admin.register(DailyMetric)
class DailyMetricAdmin(PolicyAdmin, ImportMixin, admin.ModelAdmin):
    form = ManualFiguresForm
    list_display = [
        "placement",
        "date",
        "source",
        "views",
        "sessions",
        "likes",
        "comments",
        "shares",
        "saves",
        "new_followers",
        "clicks",
    ]
    list_filter = ["source", "placement__channel", "date"]
    list_select_related = ["placement__item", "placement__channel"]
    date_hierarchy = "date"
    search_fields = ["placement__item__title"]
    search_help_text = "Search by the content item's title."
    show_full_result_count = False
    autocomplete_fields = ["placement"]
    readonly_fields = ["source", "sync_run", "updated_at"]

    import_template_name = "admin/analytics/dailymetric/import.html"
    import_form_class = MetricImportForm
    confirm_form_class = MetricConfirmImportForm
    resource_classes = [PlatformExportResource]
    import_formats = [CSV, XLSX]
    # The SyncRun row is the import's record; a log entry per figure row would only bury it.
    skip_admin_log = True

    def get_fieldsets(self, request: HttpRequest, obj: DailyMetric | None = None) -> list:
        if obj is None:
            return ENTRY_FIELDSETS
        return [*ENTRY_FIELDSETS, ("Where from", {"fields": ["source", "sync_run", "updated_at"]})]

    def save_model(self, request: HttpRequest, obj: DailyMetric, form: forms.ModelForm, change: bool) -> None:
        obj.source = Source.MANUAL
        super().save_model(request, obj, form, change)

    # Importing a platform's export.
    def get_import_resource_kwargs(self, request: HttpRequest, **kwargs: object) -> dict[str, object]:
        resource_kwargs = super().get_import_resource_kwargs(request, **kwargs)
        form = kwargs.get("form")
        if form is not None and form.is_valid():
            channel = form.cleaned_data["channel"]
            resource_kwargs.update(
                channel=channel,
                export_format=export_format_for(channel, form.cleaned_data.get("export_format", "")),
                requested_by=person_name(request.user),
            )
        return resource_kwargs

    def get_confirm_form_initial(
        self, request: HttpRequest, import_form: ImportForm | None
    ) -> dict[str, object]:
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            channel = import_form.cleaned_data["channel"]
            # The format previewed, not "the default": the confirm step imports what was shown.
            export = export_format_for(channel, import_form.cleaned_data.get("export_format", ""))
            initial.update(channel=channel.pk, export_format=export.key)
        return initial

    def get_import_context_data(self, **kwargs: object) -> dict[str, object]:
        return {**super().get_import_context_data(**kwargs), "export_formats": EXPORT_FORMATS.values()}

    def process_result(self, result: MetricImportResult, request: HttpRequest) -> HttpResponse:
        """After the confirm step. Rows can turn bad between preview and confirm (a placement
        deleted meanwhile): then nothing was written, and the curator is told why."""
        if result.has_errors() or result.has_validation_errors():
            self.message_user(
                request, "Nothing was imported: the file no longer imports cleanly.", messages.ERROR
            )
            for line in result.errors_in_words():
                self.message_user(request, line, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:analytics_dailymetric_import"))
        return super().process_result(result, request)

    def add_success_message(self, result: MetricImportResult, request: HttpRequest) -> None:
        where = f" into {result.channel.name}" if result.channel else ""
        self.message_user(request, f"Import{where} finished. {result.summary()}", messages.SUCCESS)


class ReadOnlyAdmin(PolicyAdmin, admin.ModelAdmin):
    """Figures only a sync writes: shown, never typed or removed by hand (curation.roles says so)."""

    show_full_result_count = False


@admin.register(RetentionPoint)
class RetentionPointAdmin(ReadOnlyAdmin):
    list_display = [
        "placement",
        "period_start",
        "period_end",
        "elapsed_ratio",
        "audience_watch_ratio",
        "relative_performance",
    ]
    list_filter = ["placement__channel", "period_end"]
    list_select_related = ["placement__item", "placement__channel"]
    search_fields = ["placement__item__title"]


@admin.register(CampaignSessions)
class CampaignSessionsAdmin(ReadOnlyAdmin):
    list_display = ["campaign_name", "channel", "date", "sessions", "engaged_sessions"]
    list_filter = ["channel", "date"]
    list_select_related = ["channel"]
    date_hierarchy = "date"
    search_fields = ["campaign_name"]
