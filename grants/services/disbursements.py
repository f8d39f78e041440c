"""Writers of tranche plans, disbursements and project close-outs.

The life of one disbursement::

    tranches = tranche_plan_create(project=p, by=finance)        # 30% contract / 70% acceptance
    d = disbursement_request(tranche=tranches[0], by=finance,
                             documents=[contract], uploads={"invoice": invoice_file})
    disbursement_approve(disbursement=d, by=approver)            # not the requester
    disbursement_approve(disbursement=d, by=approver2)           # only above the threshold
    disbursement_pay(disbursement=d, by=finance, bank_reference="ICBC 2026-0420-001",
                     paid_on=date(2026, 4, 20))                  # ledger key "disbursement:<id>"
    disbursement_return(disbursement=d, by=finance, returned_on=date(2026, 4, 23),
                        reason="wrong account")                  # reversing entry

The code lives in ``tranche_plans`` (plans, what is due), ``disbursement_requests`` (request,
maker-checker), ``disbursement_payments`` (pay, voucher, return) and ``closeouts`` (project
close); ``disbursement_base`` holds the permissions, locks and their order. Callers import
from here.
"""

from grants.services.closeouts import Release, close_problems, project_close
from grants.services.disbursement_base import (
    APPROVE_PERMISSION,
    CLOSE_PERMISSION,
    PAY_PERMISSION,
    PLAN_PERMISSION,
    REQUEST_PERMISSION,
)
from grants.services.disbursement_payments import (
    VOUCHER_SERIES,
    VOUCHER_TEMPLATE,
    disbursement_pay,
    disbursement_return,
    disbursement_voucher_issue,
    purpose_memo,
)
from grants.services.disbursement_requests import (
    disbursement_approve,
    disbursement_cancel,
    disbursement_reject,
    disbursement_request,
)
from grants.services.tranche_plans import (
    allocated_per_award,
    payable_awards,
    template_lines,
    tranche_due,
    tranche_plan_create,
)

__all__ = [
    "APPROVE_PERMISSION",
    "CLOSE_PERMISSION",
    "PAY_PERMISSION",
    "PLAN_PERMISSION",
    "REQUEST_PERMISSION",
    "VOUCHER_SERIES",
    "VOUCHER_TEMPLATE",
    "Release",
    "allocated_per_award",
    "close_problems",
    "disbursement_approve",
    "disbursement_cancel",
    "disbursement_pay",
    "disbursement_reject",
    "disbursement_request",
    "disbursement_return",
    "disbursement_voucher_issue",
    "payable_awards",
    "project_close",
    "purpose_memo",
    "template_lines",
    "tranche_due",
    "tranche_plan_create",
]
