"""Recording ``ledger_verify`` runs."""

from __future__ import annotations

from django.utils import timezone

from fund.checks import VerifyResult, ledger_verify
from fund.models import CheckTrigger, LedgerCheck

MAX_PROBLEMS_KEPT = 200


def ledger_check_run(*, trigger: str = CheckTrigger.MANUAL) -> tuple[LedgerCheck, VerifyResult]:
    """Verify the whole ledger and keep the outcome as a ``LedgerCheck`` row.

    A passing check records the last entry's number and hash, which later checks use as an
    anchor: an entry verified once cannot silently disappear or change.

    >>> check, result = ledger_check_run(trigger=CheckTrigger.NIGHTLY)  # doctest: +SKIP
    >>> check.ok  # doctest: +SKIP
    True
    """
    started_at = timezone.now()
    result = ledger_verify()
    check = LedgerCheck.objects.create(
        trigger=trigger,
        started_at=started_at,
        finished_at=timezone.now(),
        ok=result.ok,
        entries_checked=result.entries_checked,
        last_number=result.last_number,
        last_hash=result.last_hash,
        first_bad_entry_number=result.first_bad_entry,
        problems=[str(p) for p in result.problems[:MAX_PROBLEMS_KEPT]],
    )
    return check, result
