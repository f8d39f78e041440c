"""The six Liftfund roles, defined once.

A role is a Django group. Its permissions are patterns over ``app_label.codename`` resolved
against the permissions that exist when ``manage.py setup_roles`` runs (it also runs after
every ``migrate``), so models added by later issues join the right roles without edits here.
A pattern starting with ``!`` removes what earlier patterns added.
"""

from __future__ import annotations

from enum import StrEnum
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class Role(StrEnum):
    ADMINISTRATOR = "administrator"
    FINANCE_OFFICER = "finance_officer"
    CASEWORKER = "caseworker"
    APPROVER = "approver"
    AUDITOR = "auditor"
    DONOR = "donor"


ROLE_LABELS = {
    Role.ADMINISTRATOR: _("Administrator"),
    Role.FINANCE_OFFICER: _("Finance officer"),
    Role.CASEWORKER: _("Caseworker"),
    Role.APPROVER: _("Approver"),
    Role.AUDITOR: _("Auditor"),
    Role.DONOR: _("Donor"),
}

ROLE_DESCRIPTIONS = {
    Role.ADMINISTRATOR: _("Everything, including reopening closed periods and policy parameters."),
    Role.FINANCE_OFFICER: _("Ledger, gifts, reconciliation and disbursement requests."),
    Role.CASEWORKER: _("Project files, households, consent votes and eligibility screening."),
    Role.APPROVER: _("Approves awards and disbursements; never their own requests."),
    Role.AUDITOR: _("Read-only: all financial records and reports, personal data masked."),
    Role.DONOR: _("Their own gifts and receipts only."),
}

# Roles that work in the staff UI (Django admin). Donors use the public portal only.
STAFF_ROLES = frozenset(
    {Role.ADMINISTRATOR, Role.FINANCE_OFFICER, Role.CASEWORKER, Role.APPROVER, Role.AUDITOR}
)

ROLE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.ADMINISTRATOR: ("*.*",),
    Role.FINANCE_OFFICER: (
        "fund.*",
        "!fund.reopen_*",
        "donors.*",
        "grants.view_*",
        "grants.add_disbursement*",
        "grants.change_disbursement*",
        "grants.request_disbursement",
        "grants.pay_disbursement",
        "grants.add_tranche",
        "grants.add_projectcloseout",
        "authtoken.view_*",
        "documents.*",
        "reports.view_*",
        "reports.add_disclosure",
        "reports.change_disclosure",
    ),
    Role.CASEWORKER: (
        "grants.*",
        "!grants.*disbursement*",
        "!grants.approve_*",
        "!grants.*eligibilitypolicy*",
        "grants.view_eligibilitypolicy*",
        # Policy parameters and the related-party register: Administrators edit them.
        "!grants.*_policyversion",
        "grants.view_policyversion",
        "!grants.*_relatedparty",
        "grants.view_relatedparty",
        # Lifecycles and subsidy presets are policy: Administrators edit them.
        "!grants.*_lifecycle*",
        "!grants.*_stepdocumentrequirement",
        "!grants.*_subsidypreset",
        "grants.view_lifecycle*",
        "grants.view_stepdocumentrequirement",
        "grants.view_subsidypreset",
        # Money planning is Finance's: tranche plans and their templates are read-only here.
        "!grants.*_tranche",
        "!grants.*_tranchetemplate*",
        "grants.view_tranche",
        "grants.view_tranchetemplate*",
        "fund.view_fund",
        "donors.view_campaign",
    ),
    Role.APPROVER: (
        "grants.view_*",
        "grants.approve_*",
        "fund.view_*",
        "donors.view_campaign",
        "reports.view_reports",
    ),
    Role.AUDITOR: (
        "fund.view_*",
        "donors.view_*",
        "grants.view_*",
        "api.view_*",
        "auditor.*",
        "documents.view_*",
        # Reading registers, exporting them and building sealed packages change no record.
        "reports.view_*",
    ),
    Role.DONOR: (),
}


def permissions_for(role: Role, available: list[str]) -> list[str]:
    """Resolve a role's patterns against ``available`` (``app_label.codename`` strings).

    >>> permissions_for(Role.AUDITOR, ["fund.view_fund", "fund.add_fund"])
    ['fund.view_fund']
    """
    chosen: set[str] = set()
    for pattern in ROLE_PERMISSIONS[role]:
        if pattern.startswith("!"):
            chosen -= {p for p in chosen if fnmatchcase(p, pattern[1:])}
        else:
            chosen |= {p for p in available if fnmatchcase(p, pattern)}
    return sorted(chosen)


def user_roles(user: AbstractBaseUser | AnonymousUser | None) -> set[Role]:
    """The roles a user holds (superusers hold Administrator)."""
    if user is None or not user.is_authenticated:
        return set()
    cached = getattr(user, "_liftfund_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))  # type: ignore[union-attr,attr-defined]
        cached = {r for r in Role if r.value in names}
        if getattr(user, "is_superuser", False):
            cached.add(Role.ADMINISTRATOR)
        user._liftfund_roles = cached  # type: ignore[union-attr,attr-defined]
    return set(cached)


def has_role(user: AbstractBaseUser | AnonymousUser | None, *roles: Role) -> bool:
    return bool(user_roles(user) & set(roles))


def is_staff_member(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    return bool(user_roles(user) & STAFF_ROLES)


def sees_personal_data_masked(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    """Auditors (and anyone without a working role) see personal data masked."""
    roles = user_roles(user)
    return not (roles & {Role.ADMINISTRATOR, Role.FINANCE_OFFICER, Role.CASEWORKER, Role.APPROVER})
