"""Importing employees from HR's CSV or XLSX (django-import-export): invitees, not subscribers.

Every row is checked as the sign-up form would check it, and a bad row names its row and field.
Addresses on the suppression list are skipped: an opted-out or erased employee is never re-created.
An existing employee (same number, or same email in any case) is updated, and a blank cell keeps
what we already hold.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import get_supported_language_variant
from import_export import fields, resources, widgets
from import_export.results import Result, RowResult
from tablib import Dataset

from campaigns import consent
from campaigns.hashing import address_hash, normalise_email
from campaigns.models import (
    SELF_CONSENT_ONLY,
    ConsentAction,
    ConsentSource,
    ConsentState,
    Medium,
    Subscriber,
    Suppression,
)
from campaigns.phones import check_allowed_region, normalise_phone
from curation.models import Topic

COLUMNS = (
    "phone",
    "email",
    "display_name",
    "department",
    "location",
    "time_zone",
    "topics",
    "preferred_media",
    # Issue 16: invitations go out in it ("fr", "ar"; blank keeps English or what we hold).
    "language",
)
CONTACT_COLUMNS = ("phone", "email", "display_name")
SUPPRESSED = "On the suppression list (opted out, unreachable or erased): left out."
UNCHANGED = "Already held, nothing changed."


def _language_code(given: str) -> str:
    """French whether written "FR", "fr-FR" or "fr"; a language we do not offer is left to the model."""
    try:
        return get_supported_language_variant(given.strip().lower())
    except LookupError:
        return given.strip()


def sheet_row(number: int) -> int:
    """The row as the curator's spreadsheet numbers it: the header is row 1."""
    return number + 1


def is_blank(value: object) -> bool:
    return value is None or not str(value).strip()


def messages_of(error: Exception) -> list[str]:
    return error.messages if isinstance(error, ValidationError) else [str(error)]


class RowInWords(RowResult):
    """A row's outcome as the preview words it; the note says why it was skipped or what an update
    changes. Shared with analytics' platform-export import, which was modelled on this one."""

    skipped = "Skipped"

    def __init__(self) -> None:
        super().__init__()
        self.note = ""

    @property
    def outcome(self) -> str:
        if self.import_type == self.IMPORT_TYPE_NEW:
            return "New"
        if self.import_type == self.IMPORT_TYPE_UPDATE:
            return f"Update: {self.note}"
        return f"{self.skipped}: {self.note}"


class ImportResultInWords(Result):
    """An import's outcome as templates/admin/import_in_words.html shows it."""

    @property
    def shown_rows(self) -> list[RowInWords]:
        """The rows the preview lists."""
        return self.valid_rows()

    def errors_in_words(self) -> list[str]:
        """Each problem as "Row 7, phone: That number is not valid...", numbered as the spreadsheet is;
        a problem with the whole file (a missing column) comes first, without a row."""
        lines = [message for error in self.base_errors for message in messages_of(error.error)]
        for row in self.invalid_rows:
            for field, messages in row.error_dict.items():
                where = f"Row {sheet_row(row.number)}" + ("" if field == NON_FIELD_ERRORS else f", {field}")
                lines += [f"{where}: {message}" for message in messages]
        for row in self.error_rows:
            lines += [
                f"Row {sheet_row(row.number)}: could not be saved ({error.error})." for error in row.errors
            ]
        return lines


class SubscriberRowResult(RowInWords):
    """Skipped for suppression or for no change; an update names the columns it changes."""

    @property
    def cells(self) -> list[object]:
        """The row as read (numbers and emails normalised), in the file's column order."""
        return [self.row_values.get(column, "") for column in COLUMNS]


class SubscriberImportResult(ImportResultInWords):
    @property
    def suppressed(self) -> int:
        return sum(1 for row in self.rows if row.note == SUPPRESSED)

    def summary(self) -> str:
        totals = self.totals
        invalid = totals[RowResult.IMPORT_TYPE_INVALID] + totals[RowResult.IMPORT_TYPE_ERROR]
        return (
            f"{self.total_rows} row{'' if self.total_rows == 1 else 's'} read: "
            f"{totals[RowResult.IMPORT_TYPE_NEW]} new, "
            f"{totals[RowResult.IMPORT_TYPE_UPDATE]} updated, {totals[RowResult.IMPORT_TYPE_SKIP]} skipped "
            f"({self.suppressed} on the suppression list), {invalid} with errors."
        )


class TopicsWidget(widgets.ManyToManyWidget):
    """Topic names or slugs separated by ';'. An unknown one is an error, not silently dropped."""

    topics: dict[str, Topic] | None = None  # Loaded once per import by the resource.

    def load_topics(self) -> None:
        everything = list(Topic.objects.all())
        self.topics = {t.name.lower(): t for t in everything} | {t.slug: t for t in everything}

    def clean(self, value: object, row: dict | None = None, **kwargs: object) -> list[Topic]:
        wanted = [part.strip() for part in str(value or "").split(";") if part.strip()]
        if self.topics is None:
            self.load_topics()
        topics = self.topics
        unknown = [name for name in wanted if name.lower() not in topics]
        if unknown:
            raise ValidationError(f"Unknown topic: {', '.join(unknown)}. Use the names in the topics list.")
        return [topics[name.lower()] for name in wanted]


class SubscriberResource(resources.ModelResource):
    topics = fields.Field(
        attribute="topics", column_name="topics", widget=TopicsWidget(Topic, field="name", separator=";")
    )

    class Meta:
        model = Subscriber
        fields = COLUMNS
        export_order = COLUMNS
        import_id_fields = ("phone", "email")
        clean_model_instances = True
        report_skipped = True
        # The preview shows the row as read and names the columns an update changes, instead of the
        # library's per-cell HTML diff: that diff re-read every row from the database and took a
        # third of a 10,000-row import.
        skip_diff = True
        store_row_values = True

    def __init__(self, *, consent_evidence: str = "", **kwargs: object) -> None:
        super().__init__(**kwargs)
        # Non-empty when the curator says consent is already held elsewhere, and where.
        self.consent_evidence = consent_evidence.strip()

    def get_row_result_class(self) -> type[SubscriberRowResult]:
        return SubscriberRowResult

    def get_result_class(self) -> type[SubscriberImportResult]:
        return SubscriberImportResult

    def before_import(self, dataset: Dataset, **kwargs: object) -> None:
        # One query each instead of several per row: a 10,000-row file stays quick.
        self.by_phone = dict(Subscriber.objects.exclude(phone="").values_list("phone", "pk"))
        self.by_email = {
            normalise_email(email): pk
            for email, pk in Subscriber.objects.exclude(email="").values_list("email", "pk")
        }
        self.suppressed = set(Suppression.objects.values_list("address_hash", flat=True))
        self.seen: dict[str, int] = {}
        self.fields["topics"].widget.load_topics()

    def before_import_row(self, row: dict, row_number: int | None = None, **kwargs: object) -> None:
        errors: dict[str, str] = {}
        phone, email = str(row.get("phone") or "").strip(), normalise_email(str(row.get("email") or ""))
        if phone:
            try:
                phone = normalise_phone(phone)
                check_allowed_region(phone)
            except ValidationError as refused:
                errors["phone"] = refused.messages[0]
        row["phone"], row["email"] = phone, email
        if not phone and not email:
            errors["phone"] = "Give a phone number or an email address."
        # Matched to one employee by number and another by email: updating either would clash.
        elif len({self.by_phone.get(phone), self.by_email.get(email)} - {None}) > 1:
            errors["email"] = "Another employee already has this email address."
        for field, key in (("phone", phone), ("email", email)):
            if key and key in self.seen and not errors:
                errors[field] = f"Already in row {self.seen[key]} of this file."
            elif key:
                self.seen[key] = sheet_row(row_number)
        # Many-to-many columns are saved after validation, so an unknown topic is caught here.
        try:
            self.fields["topics"].widget.clean(row.get("topics"))
        except ValidationError as unknown:
            errors["topics"] = unknown.messages[0]
        if not is_blank(row.get("preferred_media")):
            row["preferred_media"] = str(row["preferred_media"]).strip().lower()
        if not is_blank(row.get("language")):
            row["language"] = _language_code(str(row["language"]))
        # Raised with the model's own validation in import_instance, so one pass names every bad field.
        self.row_errors = errors

    def import_field(
        self, field: fields.Field, instance: Subscriber, row: dict, is_m2m: bool = False, **kwargs: object
    ) -> None:
        """A blank cell keeps what we hold (or the default, for someone new): HR files have gaps."""
        if not is_blank(row.get(field.column_name)):
            super().import_field(field, instance, row, is_m2m, **kwargs)

    def import_instance(self, instance: Subscriber, row: dict, **kwargs: object) -> None:
        errors = {field: [message] for field, message in self.row_errors.items()}
        held = self.held(instance) if instance.pk else {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as invalid:
            errors = invalid.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)
        if held:
            self.changed = [column for column, value in self.held(instance).items() if held[column] != value]
            if not is_blank(row.get("topics")) and {t.pk for t in self.fields["topics"].clean(row)} != set(
                instance.topics.values_list("pk", flat=True)
            ):
                self.changed.append("topics")

    def held(self, instance: Subscriber) -> dict[str, object]:
        return {column: getattr(instance, column) for column in COLUMNS if column != "topics"}

    def validate_instance(
        self, instance: Subscriber, import_validation_errors: dict | None = None, validate_unique: bool = True
    ) -> None:
        """Field validation only: uniqueness is already settled by the lookups in before_import and
        the in-file duplicate check, and the database constraints still guard the save."""
        errors = dict(import_validation_errors or {})
        try:
            instance.full_clean(exclude=errors.keys(), validate_unique=False, validate_constraints=False)
        except ValidationError as invalid:
            errors = invalid.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def get_instance(self, instance_loader: object, row: dict) -> Subscriber | None:
        pk = self.by_phone.get(row["phone"]) or self.by_email.get(row["email"])
        return Subscriber.objects.get(pk=pk) if pk else None

    def is_suppressed(self, instance: Subscriber) -> bool:
        return any(
            address_hash(medium, instance.address(medium)) in self.suppressed
            for medium in Medium
            if instance.address(medium)
        )

    def skip_row(
        self,
        instance: Subscriber,
        original: Subscriber | None,
        row: dict,
        import_validation_errors: dict | None = None,
    ) -> bool:
        if import_validation_errors:
            return False
        if self.is_suppressed(instance):
            self.note = SUPPRESSED
        elif instance.pk is not None and not self.changed:
            self.note = UNCHANGED
        else:
            return False
        return True

    def import_row(self, row: dict, instance_loader: object, **kwargs: object) -> SubscriberRowResult:
        self.note, self.changed = "", []
        row_result = super().import_row(row, instance_loader, **kwargs)
        if row_result.import_type == RowResult.IMPORT_TYPE_SKIP:
            row_result.note = self.note
        elif row_result.import_type == RowResult.IMPORT_TYPE_UPDATE:
            row_result.note = "changes " + ", ".join(self.changed)
        return row_result

    def after_save_instance(self, instance: Subscriber, row: dict, **kwargs: object) -> None:
        if not self.consent_evidence:
            return
        for medium in Medium:
            # Never over an opt-out: only the employee can take that back.
            if (
                medium not in SELF_CONSENT_ONLY
                and instance.address(medium)
                and instance.state(medium)
                in (
                    ConsentState.NONE,
                    ConsentState.PENDING,
                )
            ):
                consent.record_consent(
                    subscriber=instance,
                    medium=medium,
                    action=ConsentAction.OPTED_IN,
                    source=ConsentSource.IMPORT,
                    evidence=f"Consent held elsewhere: {self.consent_evidence}",
                )


class SubscriberWithoutContactResource(resources.ModelResource):
    """What the agency curator may export: no phone, email or name."""

    class Meta:
        model = Subscriber
        fields = ("id", "department", "location", "time_zone", "preferred_media", "sms_state", "email_state")
