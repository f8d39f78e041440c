"""Nothing financial is ever hard-deleted (DOMAIN §8: vouchers, ledgers and receipts are kept
30 years). The admin refuses deletes of every financial model, whoever registered its admin.

One policy in one place instead of a mixin each app must remember: every model of the
financial apps, and the money-bearing models of grants, is covered as soon as its admin is
registered. ``test_no_financial_record_can_be_deleted_in_admin`` walks the admin registry.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

# Every model of these apps is financial (ledger, gifts, receipts).
FINANCIAL_APPS = frozenset({"fund", "donors", "documents"})
# Models of other apps that carry money or its evidence (lower-case model names).
FINANCIAL_MODELS = frozenset(
    {
        "grants.costsharerun",
        "grants.costshareline",
        "grants.volunteerpayment",
        "grants.othergrant",
        "grants.projectdocument",
        "grants.award",
        "grants.awardpayment",
        "grants.assessment",
        "grants.policyversion",
        "grants.disbursement",
        "grants.disbursementrequest",
        "grants.tranche",
        "grants.voucher",
        "reports.auditpackage",
        "reports.exportjob",
        "reports.sensitiveaccesslog",
        "reports.historyorigin",
        "reports.disclosure",
    }
)


def is_financial(model: type[Any]) -> bool:
    meta = model._meta
    return meta.app_label in FINANCIAL_APPS or meta.label_lower in FINANCIAL_MODELS


def _never(request: HttpRequest, obj: Any = None) -> bool:
    return False


def admin_deletes_refuse(site: admin.AdminSite | None = None) -> list[str]:
    """Make ``has_delete_permission`` false for the admins of financial models (which also
    removes the bulk delete action); returns the models covered."""
    site = site or admin.site
    covered = []
    for model, model_admin in site._registry.items():
        if is_financial(model):
            model_admin.has_delete_permission = _never  # type: ignore[method-assign]
            covered.append(model._meta.label)
        for inline in model_admin.inlines:
            if is_financial(inline.model):
                inline.has_delete_permission = staticmethod(_never)  # type: ignore[method-assign,assignment]
    return sorted(covered)
