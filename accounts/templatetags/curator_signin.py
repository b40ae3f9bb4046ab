from __future__ import annotations

from django import template

from curation.roles import has_second_factor

register = template.Library()


@register.simple_tag
def lacks_second_factor(user: object) -> bool:
    """A signed-in curator who has neither an authenticator app nor a passkey yet."""
    return bool(getattr(user, "is_staff", False)) and not has_second_factor(user)
