"""Bounces and spam complaints per campaign, for the emails handed over in the week reviewed.

A complaint is a person's act, so every count here goes through analytics.privacy's rule like the
other figures about people (rounded to ten, fewer than five withheld); the exact counts are on
each campaign's own report, which only curators running the send read. A complaint rate is
worked out from the published counts, so it says no more than they do.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, Q

from analytics.review.cells import Table, published, share_of
from analytics.review.weeks import day_bounds
from campaigns.models import HANDED_OVER, Campaign, DeliveryStatus, EmailFeedback, Medium

EMAIL_HEALTH_NOTE = (
    "Emails each campaign handed to the sending service in the week, and what the service reported "
    "back: bounces (the address does not exist, or kept refusing) and spam complaints. Reported only "
    "when email goes through a sending service, not plain SMTP. A hard bounce or a complaint stops "
    "email to that address at once; a send is paused when complaints pass its limit. All campaigns, "
    "whatever the filters."
)


def email_health(week_start: date) -> Table:
    since, until = day_bounds(week_start, week_start + timedelta(days=6))
    in_week = Q(
        deliveries__medium=Medium.EMAIL, deliveries__sent_at__gte=since, deliveries__sent_at__lt=until
    )
    campaigns = (
        Campaign.objects.annotate(
            sent=Count("deliveries", filter=in_week & Q(deliveries__status__in=HANDED_OVER)),
            bounces=Count(
                "deliveries",
                filter=in_week
                & (
                    Q(deliveries__feedback=EmailFeedback.HARD_BOUNCE)
                    | (
                        Q(deliveries__feedback=EmailFeedback.SOFT_BOUNCE)
                        & ~Q(deliveries__status=DeliveryStatus.DELIVERED)
                    )
                ),
            ),
            complaints=Count("deliveries", filter=in_week & Q(deliveries__feedback=EmailFeedback.COMPLAINED)),
        )
        .filter(sent__gt=0)
        .order_by("-sent", "name")
    )
    rows = []
    for campaign in campaigns:
        sent, complaints = published(campaign.sent), published(campaign.complaints)
        bounces = published(campaign.bounces)
        rows.append((campaign.name, sent, bounces, complaints, share_of(complaints, sent)))
    return Table(
        "email_health",
        "Email bounces and complaints by campaign",
        ("Campaign", "Emails sent", "Bounces", "Spam complaints", "Complaint rate"),
        rows,
        note=EMAIL_HEALTH_NOTE,
    )
