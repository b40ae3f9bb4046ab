"""The two curator roles and what each may do: the one place permission policy is written down.

The curation team is two people from two sides: an internal curator, who may see employees'
contact data, and a partner at an external content agency, who never may. Groups carry Django
permissions so the admin enforces them; `sync_role_permissions` keeps the groups in step with
this policy after every migrate, so models added later get their permissions too.
"""

from __future__ import annotations

from allauth.mfa.utils import is_mfa_enabled
from django.apps import AppConfig
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission

INTERNAL_CURATOR = "Internal curator"
AGENCY_CURATOR = "Agency curator"
ROLES = (INTERNAL_CURATOR, AGENCY_CURATOR)

ALL_ACTIONS = frozenset({"add", "change", "delete", "view"})

# role -> "app_label" or "app_label.model" -> actions. A model entry overrides its app's entry;
# apps holding employees' personal data (campaigns) are granted to the agency curator model by
# model, never whole. "view_contact_data" is a permission of its own, internal curators only.
ROLE_GRANTS: dict[str, dict[str, frozenset[str]]] = {
    INTERNAL_CURATOR: {
        "curation": ALL_ACTIONS,
        "channels": ALL_ACTIONS,
        "campaigns": ALL_ACTIONS | {"view_contact_data", "launch_campaign"},
        "analytics": ALL_ACTIONS,
        "django_celery_beat": ALL_ACTIONS,
        "accounts": frozenset({"view"}),  # the sign-in audit, read-only
    },
    AGENCY_CURATOR: {
        "curation": ALL_ACTIONS,
        "channels": ALL_ACTIONS,
        "campaigns.subscriber": frozenset({"view"}),
        "campaigns.segment": frozenset({"view"}),
        # Drafts only: launching is the custom permission campaigns.launch_campaign, not granted here.
        "campaigns.campaign": ALL_ACTIONS,
        "campaigns.trackedlink": frozenset({"view"}),
        "analytics": frozenset({"view"}),
        # The agency runs the platform accounts: it imports their exports and types weekly figures.
        "analytics.dailymetric": frozenset({"view", "add", "change"}),
    },
}


def _granted(grants: dict[str, frozenset[str]], permission: Permission) -> bool:
    app_label, model = permission.content_type.app_label, permission.content_type.model
    actions = grants.get(f"{app_label}.{model}", grants.get(app_label, frozenset()))
    action, _, subject = permission.codename.partition("_")
    if subject == model and action in ALL_ACTIONS:  # One of Django's add/change/delete/view.
        return action in actions
    return permission.codename in actions  # A custom permission is granted only by name.


def _in_group(user: AbstractBaseUser | AnonymousUser, group_name: str) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.groups.filter(name=group_name).exists()


def is_internal_curator(user: AbstractBaseUser | AnonymousUser) -> bool:
    return bool(getattr(user, "is_superuser", False)) or _in_group(user, INTERNAL_CURATOR)


def is_agency_curator(user: AbstractBaseUser | AnonymousUser) -> bool:
    return _in_group(user, AGENCY_CURATOR) and not is_internal_curator(user)


def can_see_contact_data(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Employees' phone numbers and emails: internal curators only, in every page and export,
    and only once they have a second factor (superusers too): a stolen password alone shows none."""
    return user.is_active and user.has_perm("campaigns.view_contact_data") and has_second_factor(user)


def has_second_factor(user: AbstractBaseUser) -> bool:
    """An allauth authenticator app or passkey; asked once per request (cached like has_perm's)."""
    if not hasattr(user, "_second_factor_cache"):
        user._second_factor_cache = is_mfa_enabled(user)
    return user._second_factor_cache


def sync_role_permissions(sender: AppConfig, **kwargs: object) -> None:
    """post_migrate: grant each role the permissions this policy gives it in `sender`'s app.

    Runs after django.contrib.auth has created the app's permissions in the same signal.
    """
    using = kwargs.get("using", "default")
    app_permissions = list(
        Permission.objects.using(using)
        .filter(content_type__app_label=sender.label)
        .select_related("content_type")
    )
    for role, grants in ROLE_GRANTS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        # Exactly the policy: a permission added by hand to a role is taken away again here.
        granted = [p for p in app_permissions if _granted(grants, p)]
        refused = [p for p in app_permissions if p not in granted]
        group.permissions.add(*granted)
        group.permissions.remove(*refused)
