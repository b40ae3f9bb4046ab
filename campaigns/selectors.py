"""Reads about employees: audiences, worked out in SQL.

One segment's members are a plain query; the admin's list counts every segment's members in the
same query as the list itself, reading each rule from the segment row.
"""

from __future__ import annotations

import functools
import operator

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    BooleanField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.lookups import In
from django.db.models.sql.compiler import SQLCompiler

from campaigns.models import (
    HASH_FIELD,
    STATE_FIELD,
    Campaign,
    ConsentState,
    MediaPreference,
    Medium,
    Segment,
    Subscriber,
    Suppression,
)
from curation.compliance import RESTRICTED_SENSITIVITIES
from curation.models import Lifecycle, Placement

# Only compiled column references are put in; values travel as query parameters.
SQLITE_SQL = (
    "(json_array_length(%(listed)s) = 0"
    " OR EXISTS (SELECT 1 FROM json_each(%(listed)s) WHERE json_each.value = %(value)s))"
)
POSTGRESQL_SQL = "(jsonb_array_length(%(listed)s) = 0 OR %(listed)s @> jsonb_build_array(%(value)s))"


class EmptyOrListed(Func):
    """True when a JSON list of strings is empty (the rule does not restrict) or holds the value.

    Django's JSON `contains` lookup is not available on SQLite, so each backend gets its own SQL.
    """

    arity = 2
    output_field = BooleanField()

    def _render(self, template: str, compiler: SQLCompiler) -> tuple[str, list]:
        listed_sql, listed_params = compiler.compile(self.get_source_expressions()[0])
        value_sql, value_params = compiler.compile(self.get_source_expressions()[1])
        return template % {"listed": listed_sql, "value": value_sql}, [
            *listed_params,
            *listed_params,
            *value_params,
        ]

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: object
    ) -> tuple[str, list]:
        return self._render(SQLITE_SQL, compiler)

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: object
    ) -> tuple[str, list]:
        return self._render(POSTGRESQL_SQL, compiler)


def reachable_on(medium: str) -> Q:
    """Subscribed on the medium, and the address is not on that medium's suppression list."""
    suppressed = Exists(Suppression.objects.filter(medium=medium, address_hash=OuterRef(HASH_FIELD[medium])))
    return Q(**{STATE_FIELD[medium]: ConsentState.SUBSCRIBED}) & ~Q(suppressed)


SMS_RULES = MediaPreference.including(Medium.SMS)
EMAIL_RULES = MediaPreference.including(Medium.EMAIL)
WHATSAPP_RULES = MediaPreference.including(Medium.WHATSAPP)


def segment_rule(segment: Segment) -> Q:
    """Who matches a segment's department, location and topic filters (consent aside)."""
    rule = Q()
    if segment.departments:
        rule &= Q(department__in=segment.departments)
    if segment.locations:
        rule &= Q(location__in=segment.locations)
    topic_ids = [topic.pk for topic in segment.topics.all()]
    if topic_ids:
        wants = Subscriber.topics.through.objects.filter(subscriber=OuterRef("pk"), topic__in=topic_ids)
        rule &= Q(Exists(wants))
    return rule


def segment_members(segment: Segment) -> QuerySet[Subscriber]:
    """Who a campaign aimed at this segment would reach now."""
    reachable = Q(pk__in=[])
    if segment.medium in SMS_RULES:
        reachable |= reachable_on(Medium.SMS)
    if segment.medium in EMAIL_RULES:
        reachable |= reachable_on(Medium.EMAIL)
    if segment.medium in WHATSAPP_RULES:
        reachable |= reachable_on(Medium.WHATSAPP)
    return Subscriber.objects.filter(reachable, segment_rule(segment))


def campaign_audience(campaign: Campaign, medium: str) -> QuerySet[Subscriber]:
    """Who a campaign reaches on one medium now: in any of its segments that use the medium,
    subscribed and not suppressed there, and wanting messages by it."""
    if not campaign.sends(medium):
        return Subscriber.objects.none()
    rules = [
        segment_rule(segment)
        for segment in campaign.segments.prefetch_related("topics")
        if MediaPreference(segment.medium).includes(medium)
    ]
    if not rules:
        return Subscriber.objects.none()
    in_any = functools.reduce(operator.or_, rules)
    return Subscriber.objects.filter(
        in_any, reachable_on(medium), preferred_media__in=MediaPreference.including(medium)
    )


def member_count() -> Subquery:
    """Annotation for a Segment queryset: its members now, counted in the same query.

    The same rule as segment_members, with the segment's fields read from the enclosing row.
    tests/campaigns/test_segments.py checks that the two agree.
    """
    segment = OuterRef("pk")
    has_topics = Exists(Segment.topics.through.objects.filter(segment=OuterRef(segment)))
    rule_topics = Segment.topics.through.objects.filter(segment=OuterRef(OuterRef(segment)))
    wants = Subscriber.topics.through.objects.filter(
        subscriber=OuterRef("pk"), topic__in=rule_topics.values("topic")
    )
    members = Subscriber.objects.filter(
        (reachable_on(Medium.SMS) & Q(In(OuterRef("medium"), SMS_RULES)))
        | (reachable_on(Medium.EMAIL) & Q(In(OuterRef("medium"), EMAIL_RULES)))
        | (reachable_on(Medium.WHATSAPP) & Q(In(OuterRef("medium"), WHATSAPP_RULES))),
        EmptyOrListed(OuterRef("departments"), F("department")),
        EmptyOrListed(OuterRef("locations"), F("location")),
        ~Q(has_topics) | Q(Exists(wants)),
    ).order_by()
    return Subquery(members.values(n=Func("pk", function="COUNT")), output_field=IntegerField())


def promotable_placements() -> QuerySet[Placement]:
    """The placements a campaign may promote, as a query: what its placement picker offers.

    The same rule as campaigns.tracking.check_promotable, which the form and the launch still ask
    of each placement chosen: live and reachable, of an item neither business-sensitive nor
    compliance (so the compliance guard's public-channel rule can refuse none of them).
    """
    return Placement.objects.filter(item__lifecycle=Lifecycle.LIVE, is_reachable=True).exclude(
        item__sensitivity__in=RESTRICTED_SENSITIVITIES
    )
