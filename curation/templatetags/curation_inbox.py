"""The inbox's counts wherever curators look first: the admin's home and the meeting's agenda."""

from __future__ import annotations

from django import template
from django.urls import reverse

from curation.inbox import selectors

register = template.Library()


@register.inclusion_tag("admin/curation/candidate/_counts.html", takes_context=True)
def inbox_counts(context: template.Context, layout: str = "module") -> dict:
    """New candidates in all and per suggested topic, each linking to the inbox filtered to it;
    shown only to those who may work the inbox. `layout` is "module" (home) or "line" (agenda)."""
    user = context["request"].user
    if not user.has_perm("curation.change_candidate"):
        return {"shown": False}
    counts = selectors.new_candidate_counts()
    inbox = reverse("admin:curation_candidate_inbox")
    topics = [
        {
            "count": each.count,
            "name": each.topic_name,
            "url": f"{inbox}?topic={each.topic_id if each.topic_id is not None else 'none'}",
        }
        for each in counts.by_topic
    ]
    return {"shown": True, "layout": layout, "total": counts.total, "topics": topics, "inbox_url": inbox}
