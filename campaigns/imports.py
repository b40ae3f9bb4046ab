"""Importing employees from HR's CSV or XLSX (django-import-export): invitees, not subscribers.

Every row is checked as the sign-up form would check it, and a bad row names its field. Addresses
on the suppression list are skipped: an opted-out or erased employee is never re-created.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets

from campaigns import consent
from campaigns.hashing import address_hash, normalise_email
from campaigns.models import ConsentAction, ConsentSource, ConsentState, Medium, Subscriber, Suppression
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
)
CONTACT_COLUMNS = ("phone", "email", "display_name")


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
        skip_unchanged = True
        report_skipped = True

    def __init__(self, *, consent_evidence: str = "", **kwargs: object) -> None:
        super().__init__(**kwargs)
        # Non-empty when the curator says consent is already held elsewhere, and where.
        self.consent_evidence = consent_evidence.strip()

    def before_import(self, dataset, **kwargs: object) -> None:
        # One query each instead of several per row: a 10,000-row file stays quick.
        self.by_phone = dict(Subscriber.objects.exclude(phone="").values_list("phone", "pk"))
        self.by_email = {
            normalise_email(email): pk
            for email, pk in Subscriber.objects.exclude(email="").values_list("email", "pk")
        }
        self.suppressed = set(Suppression.objects.values_list("address_hash", flat=True))
        self.seen: dict[str, int] = {}
        self.fields["topics"].widget.load_topics()

    def before_import_row(self, row, row_number: int | None = None, **kwargs: object) -> None:
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
        for key in (phone, email):
            if key and key in self.seen and not errors:
                errors["phone" if key == phone else "email"] = (
                    f"Already in row {self.seen[key]} of this file."
                )
            elif key:
                self.seen[key] = row_number
        # Many-to-many columns are saved after validation, so an unknown topic is caught here.
        try:
            self.fields["topics"].widget.clean(row.get("topics"))
        except ValidationError as unknown:
            errors["topics"] = unknown.messages[0]
        row["preferred_media"] = str(row.get("preferred_media") or "both").strip().lower()
        row["time_zone"] = str(row.get("time_zone") or "Europe/London").strip()
        # Raised with the model's own validation in import_instance, so one pass names every bad field.
        self.row_errors = errors

    def import_instance(self, instance: Subscriber, row, **kwargs: object) -> None:
        errors = {field: [message] for field, message in self.row_errors.items()}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as invalid:
            errors = invalid.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def validate_instance(
        self, instance: Subscriber, import_validation_errors=None, validate_unique=True
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

    def get_instance(self, instance_loader, row) -> Subscriber | None:
        pk = self.by_phone.get(row["phone"]) or self.by_email.get(row["email"])
        return Subscriber.objects.get(pk=pk) if pk else None

    def skip_row(self, instance, original, row, import_validation_errors=None) -> bool:
        if address_hash(Medium.SMS, row["phone"]) in self.suppressed:
            return True
        if address_hash(Medium.EMAIL, row["email"]) in self.suppressed:
            return True
        return super().skip_row(instance, original, row, import_validation_errors)

    def after_save_instance(self, instance: Subscriber, row, **kwargs: object) -> None:
        if not self.consent_evidence:
            return
        for medium in Medium:
            if instance.address(medium) and instance.state(medium) != ConsentState.SUBSCRIBED:
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
