"""Service points for later issues, called after the transaction that changed the gift commits.

Receipts (issue 5) plug in here: replace the bodies (or call the receipts service from them).
They run once per settled gift, once per recorded refund and once per lost dispute, for
online and offline gifts alike, after commit; an exception here never undoes the money
movement (``robust``).
"""

from __future__ import annotations

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def donation_settled(donation_id: int) -> None:
    """A gift has settled and its ledger entry is posted: issue its receipt here (issue 5)."""
    logger.info("donation %s settled", donation_id)


def donation_refunded(donation_id: int, refund_id: int) -> None:
    """A refund of the gift is recorded in the ledger: void/replace its receipt here (issue 5)."""
    logger.info("donation %s refunded (refund %s)", donation_id, refund_id)


def donation_dispute_lost(donation_id: int, dispute_id: int) -> None:
    """A dispute was lost: the money is gone for good; void its receipt here (issue 5)."""
    logger.info("donation %s lost dispute %s", donation_id, dispute_id)


def after_settled(donation_id: int) -> None:
    transaction.on_commit(lambda: donation_settled(donation_id), robust=True)


def after_refunded(donation_id: int, refund_id: int) -> None:
    transaction.on_commit(lambda: donation_refunded(donation_id, refund_id), robust=True)


def after_dispute_lost(donation_id: int, dispute_id: int) -> None:
    transaction.on_commit(lambda: donation_dispute_lost(donation_id, dispute_id), robust=True)
