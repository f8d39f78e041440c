"""Celery tasks of the ledger. Thin: each loads nothing big and calls one service."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from fund.models import CheckTrigger
from fund.services.verification import ledger_check_run


@shared_task(name="fund.ledger_verify_task", acks_late=True)
def ledger_verify_task() -> dict[str, Any]:
    """Nightly: verify the ledger and record a ``LedgerCheck``. Running it twice only adds a
    second record of the same outcome, so a redelivered message is harmless."""
    check, _result = ledger_check_run(trigger=CheckTrigger.NIGHTLY)
    return {"check": check.pk, "ok": check.ok, "first_bad_entry": check.first_bad_entry_number}
