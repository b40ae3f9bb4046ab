"""The two curator roles and what each may do: the one place permission policy is written down.

The curation team is two people from two sides: an internal curator, who may see employees'
contact data, and a partner at an external content agency, who never may. Groups carry Django
permissions so the admin enforces them; `sync_role_permissions` keeps the groups in step with
this policy after every migrate, so models added later get their permissions too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from allauth.mfa.utils import is_mfa_enabled
from django.apps import AppConfig
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission
from django.db.models import Model

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
        # No "django_celery_beat": the periodic task tables are the operators' (superusers'), whose
        # pause or wrong crontab would silently stop every sync and send.
        "accounts": frozenset({"view"}),  # the sign-in audit, read-only
    },
    AGENCY_CURATOR: {
        "curation": ALL_ACTIONS,
        "channels": ALL_ACTIONS,
        "campaigns.subscriber": frozenset({"view"}),
        "campaigns.segment": frozenset({"view"}),
        # Drafts only: launching is the custom permission campaigns.launch_campaign, not granted here.
        "campaigns.campaign": ALL_ACTIONS,
        # Journeys like campaigns: the agency composes drafts and their steps; a launcher runs them.
        "campaigns.journey": ALL_ACTIONS,
        "campaigns.journeystep": ALL_ACTIONS,
        "campaigns.trackedlink": frozenset({"view"}),
        # The agency picks a campaign's WhatsApp template; refreshing them from Twilio is internal.
        "campaigns.whatsapptemplate": frozenset({"view"}),
        "analytics": frozenset({"view"}),
        # The agency runs the platform accounts: it imports their exports and types weekly figures.
        "analytics.dailymetric": frozenset({"view", "add", "change"}),
        # Issue 18: a shared review link opens the review outside the team, and a digest's
        # addresses are stakeholders' contact data: internal curators' alone.
        "analytics.reviewshare": frozenset(),
        "analytics.reviewdigest": frozenset(),
        "analytics.reviewdigestsent": frozenset(),
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


# --- Admin policy (issue 13): which role may do what to which model, and to which objects. ---
# Every admin's has_*_permission, its actions, history, export and import ask `permits` (through
# curation.admin_policy.PolicyAdmin), so a role means the same on every page. The roles' Django
# permissions above say which models; the rules below add what the admin may never do to a model,
# and the conditions an object must meet. A rule's `needs` are permission actions on the model
# itself ("change" -> campaigns.change_campaign) or full permission names ("app.codename").

ObjectCondition = Callable[[Any, Any], bool]


@dataclass(frozen=True)
class Rule:
    needs: tuple[str, ...] = ()
    only_if: ObjectCondition | None = None  # asked of one object; None: every object
    nobody: bool = False  # refused to every user, superusers included


def _is_draft(user: Any, campaign: Any) -> bool:
    return campaign.status == "draft"


def _campaign_open_to(user: Any, campaign: Any) -> bool:
    """The agency drafts; a launcher may still change a scheduled campaign's words, never once sending."""
    if user.has_perm("campaigns.launch_campaign"):
        return campaign.is_editable
    return campaign.status == "draft"


def _journey_open_to(user: Any, journey: Any) -> bool:
    """The agency drafts; a launcher may edit a live or paused journey's steps (nobody gets a step
    twice), never an ended one."""
    if user.has_perm("campaigns.launch_campaign"):
        return journey.status != "ended"
    return journey.status == "draft"


def _typed_by_hand(user: Any, metric: Any) -> bool:
    return metric.source == "manual"  # A pulled or imported figure would come back with the next run.


def _no_decision_applied(user: Any, meeting: Any) -> bool:
    return not meeting.decisions.exclude(applied_at=None).exists()  # Applied: the record of why.


def _never_one_by_one(user: Any, obj: Any) -> bool:
    return False


NOBODY = Rule(nobody=True)
READ_ONLY = {"add": NOBODY, "change": NOBODY, "delete": NOBODY}
LAUNCHER = Rule(needs=("campaigns.launch_campaign",))

DEFAULT_RULES: dict[str, Rule] = {
    "view": Rule(needs=("view",)),
    "add": Rule(needs=("add",)),
    "change": Rule(needs=("change",)),
    "delete": Rule(needs=("delete",)),
    "history": Rule(needs=("view",)),
    "export": Rule(needs=("view",)),
    "import": Rule(needs=("add", "change")),
}

MODEL_RULES: dict[str, dict[str, Rule]] = {
    # Contact data comes in only through someone who may see it.
    "campaigns.subscriber": {"import": Rule(needs=("add", "change", "campaigns.view_contact_data"))},
    # Only the employee's own verified opt-in lifts a suppression; the access log is evidence.
    "campaigns.suppression": READ_ONLY,
    "campaigns.contactaccesslog": READ_ONLY,
    # The sign-in audit is evidence too: written by the sign-in flow only.
    "accounts.signinattempt": READ_ONLY,
    # A launched campaign is paused or cancelled, never deleted: its ledger records who was messaged.
    "campaigns.campaign": {
        "change": Rule(needs=("change",), only_if=_campaign_open_to),
        "delete": Rule(needs=("delete",), only_if=_is_draft),
        "launch": LAUNCHER,
        "pause": LAUNCHER,
        "resume": LAUNCHER,
        "cancel": LAUNCHER,
    },
    # A journey that has run keeps its steps' ledger: ended, never deleted.
    "campaigns.journey": {
        "change": Rule(needs=("change",), only_if=_journey_open_to),
        "delete": Rule(needs=("delete",), only_if=_is_draft),
        "launch": LAUNCHER,
        "pause": LAUNCHER,
        "resume": LAUNCHER,
        "end": LAUNCHER,
        "enrol": LAUNCHER,
    },
    # Templates are Twilio's: refreshed from it ("refresh" is a change), never typed in here.
    "campaigns.whatsapptemplate": {"add": NOBODY, "change": NOBODY, "refresh": Rule(needs=("change",))},
    "campaigns.readcount": READ_ONLY,
    "analytics.dailymetric": {"change": Rule(needs=("change",), only_if=_typed_by_hand)},
    "analytics.retentionpoint": READ_ONLY,  # written by syncs only
    "analytics.campaignsessions": READ_ONLY,
    # The aggregate only: a single response is never shown, so the under-five rule holds.
    "analytics.quizresponse": {**READ_ONLY, "view": Rule(needs=("view",), only_if=_never_one_by_one)},
    "analytics.syncrun": {"add": NOBODY, "change": NOBODY},  # runs are started by syncs
    # A shared link is made whole (its token shown once) and then only revoked, never edited.
    "analytics.reviewshare": {"change": NOBODY, "revoke": Rule(needs=("change",))},
    "analytics.reviewdigestsent": READ_ONLY,  # the record of what was sent
    # Wishes come only from employees, scrubbed on the way in: triaged, never typed or edited. A
    # curator may still delete one that slipped through with something personal in it.
    "curation.learningwish": {
        "add": NOBODY,
        "change": NOBODY,
        "triage": Rule(needs=("curation.change_learningwish",)),
    },
    "curation.reviewmeeting": {"delete": Rule(needs=("delete",), only_if=_no_decision_applied)},
    # Decisions are taken on their meeting's page; applying one is changing it.
    "curation.decision": {**READ_ONLY, "apply": Rule(needs=("curation.change_decision",))},
    # Candidates come only from sources and are decided in the inbox; none is deleted, so a dismissed
    # address never comes back.
    "curation.candidate": {**READ_ONLY, "decide": Rule(needs=("curation.change_candidate",))},
}


def _rule(action: str, opts: Any) -> Rule:
    return MODEL_RULES.get(opts.label_lower, {}).get(action) or DEFAULT_RULES.get(action, NOBODY)


def permits(user: AbstractBaseUser | AnonymousUser, action: str, subject: type[Model] | Model) -> bool:
    """May `user` do `action` to a model (a list, a form to add) or to one object of it?

    An action no rule names is refused.
    """
    opts = subject._meta
    rule = _rule(action, opts)
    if rule.nobody or not user.is_active:
        return False
    needed = [name if "." in name else f"{opts.app_label}.{name}_{opts.model_name}" for name in rule.needs]
    if not user.has_perms(needed):
        return False
    return not isinstance(subject, Model) or rule.only_if is None or rule.only_if(user, subject)


def permits_in_bulk(user: AbstractBaseUser | AnonymousUser, action: str, model: type[Model]) -> bool:
    """A bulk action is offered only where the answer cannot depend on the object: one by one,
    the refusal of a campaign past its draft is explained; in a bulk delete it would not be."""
    return permits(user, action, model) and _rule(action, model._meta).only_if is None
