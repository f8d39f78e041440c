"""Service points called after the transaction that changed the gift commits.

Receipts plug in here: each hook queues a receipt task (Celery; in-process when no broker is
configured). They run once per settled gift, once per recorded refund and once per lost
dispute, for online and offline gifts alike, after commit; an exception here never undoes
the money movement (``robust``), and the receipts sweep task catches a lost message.
"""

from __future__ import annotations

import logging

from django.db import transaction

from donors.models import ReceiptCause
from donors.tasks import receipt_issue_task, receipt_refresh_task

logger = logging.getLogger(__name__)


def donation_settled(donation_id: int) -> None:
    """A gift has settled and its ledger entry is posted: issue its receipt."""
    receipt_issue_task.delay(donation_id)


def donation_refunded(donation_id: int, refund_id: int) -> None:
    """A refund of the gift is recorded: void its receipt, issue one for what remains."""
    logger.info("donation %s refunded (refund %s): refreshing its receipt", donation_id, refund_id)
    receipt_refresh_task.delay(donation_id, ReceiptCause.REFUND.value)


def donation_dispute_lost(donation_id: int, dispute_id: int) -> None:
    """A dispute was lost: the money is gone for good; void its receipt (and replace it if
    part of the gift remains)."""
    logger.info("donation %s lost dispute %s: refreshing its receipt", donation_id, dispute_id)
    receipt_refresh_task.delay(donation_id, ReceiptCause.DISPUTE.value)


def after_settled(donation_id: int) -> None:
    transaction.on_commit(lambda: donation_settled(donation_id), robust=True)


def after_refunded(donation_id: int, refund_id: int) -> None:
    transaction.on_commit(lambda: donation_refunded(donation_id, refund_id), robust=True)


def after_dispute_lost(donation_id: int, dispute_id: int) -> None:
    transaction.on_commit(lambda: donation_dispute_lost(donation_id, dispute_id), robust=True)
