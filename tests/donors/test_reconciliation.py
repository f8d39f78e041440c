"""Reconciliation: Stripe balance transactions and payouts against donations and the ledger."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from donors.models import (
    Dispute,
    ExceptionKind,
    Payout,
    ReconciliationException,
    ReconciliationRun,
)
from donors.services.reconciliation import stripe_reconcile
from donors.tasks import stripe_reconcile_task
from fund.models import EntryKind, JournalEntry
from tests.donors.stripe_fakes import load

pytestmark = pytest.mark.django_db

SINCE = dt.date(2026, 3, 1)


@pytest.fixture
def settled(pending, gateway, deliver):  # type: ignore[no-untyped-def]
    deliver(load("payment_intent.succeeded"))
    pending.refresh_from_db()
    return pending


def open_exceptions() -> list[tuple[str, str]]:
    return sorted(
        ReconciliationException.objects.filter(resolved_at__isnull=True).values_list(
            "kind", "stripe_object_id"
        )
    )


def test_a_settled_gift_matches_its_balance_transaction(settled, gateway):
    gateway.bt_list = [load("balance_transaction")]

    run = stripe_reconcile(since=SINCE)

    assert (run.matched, run.unmatched) == (1, 0)
    assert open_exceptions() == []


def test_unmatched_movements_become_exceptions(settled, gateway):
    bt = load("balance_transaction")
    stranger = {**bt, "id": "txn_stranger", "source": "ch_stranger"}
    wrong_fee = {**bt, "fee": 701}
    refund = {
        **bt,
        "id": "txn_re",
        "type": "refund",
        "source": "re_unknown",
        "amount": -5000,
        "fee": 0,
    }
    fee = {
        **bt,
        "id": "txn_fee",
        "type": "stripe_fee",
        "source": None,
        "amount": -2000,
        "fee": 0,
        "description": "Radar",
    }
    payout = {**bt, "id": "txn_po", "type": "payout", "source": "po_1", "amount": -19300, "fee": 0}
    gateway.bt_list = [stranger, wrong_fee, refund, fee, payout]
    gateway.payout_list = [{"id": "po_1", "amount": 19300, "currency": "cny", "status": "paid"}]

    run = stripe_reconcile(since=SINCE)

    assert open_exceptions() == [
        (ExceptionKind.AMOUNT_MISMATCH, "ch_3QcsA1Lk9dXqW3nR1mNo4Pqr"),
        (ExceptionKind.OTHER, "txn_fee"),
        (ExceptionKind.UNKNOWN_CHARGE, "ch_stranger"),
        (ExceptionKind.UNKNOWN_PAYOUT, "po_1"),
        (ExceptionKind.UNKNOWN_REFUND, "re_unknown"),
    ]
    assert (run.matched, run.unmatched) == (0, 5)
    mismatch = ReconciliationException.objects.get(kind=ExceptionKind.AMOUNT_MISMATCH)
    assert mismatch.detail.startswith("Stripe 20000 fee 701; ledger 20000 fee 700")


def test_a_dispute_matches_when_its_movement_and_its_fee_are_posted(settled, gateway, deliver):
    created = load("charge.dispute.created")
    withdrawal_bt = created["data"]["object"]["balance_transactions"][0]
    gateway.bt_list = [load("balance_transaction"), withdrawal_bt]

    stripe_reconcile(since=SINCE)
    assert open_exceptions() == [(ExceptionKind.UNKNOWN_DISPUTE, "dp_1QcsZYLk9dXqW3nR0dIsPuTe")]

    deliver(created)
    run = stripe_reconcile(since=SINCE)

    assert (run.matched, run.unmatched) == (2, 0)
    assert open_exceptions() == []


def test_a_dispute_fee_missing_from_the_ledger_is_an_exception(settled, gateway, deliver):
    created = load("charge.dispute.created")
    deliver(created)
    Dispute.objects.update(fee_entry=None)  # as if the fee had never been posted
    gateway.bt_list = [
        load("balance_transaction"),
        *created["data"]["object"]["balance_transactions"],
    ]

    stripe_reconcile(since=SINCE)

    row = ReconciliationException.objects.get()
    assert (row.kind, row.stripe_object_id) == (
        ExceptionKind.AMOUNT_MISMATCH,
        "dp_1QcsZYLk9dXqW3nR0dIsPuTe",
    )
    assert (
        row.detail == "Stripe dispute fee 11000 is not in the ledger (txn_1QcsZYLk9dXqW3nRdWd0001)"
    )


def test_a_settled_gift_stripe_does_not_list_is_an_exception(settled, gateway):
    gateway.bt_list = []

    stripe_reconcile(since=SINCE)

    assert open_exceptions() == [(ExceptionKind.MISSING_AT_STRIPE, "ch_3QcsA1Lk9dXqW3nR1mNo4Pqr")]


def test_running_twice_keeps_one_exception_per_item_and_later_matches_close_them(
    settled, gateway, deliver
):
    bt = load("balance_transaction")
    gateway.bt_list = [
        bt,
        {
            **bt,
            "id": "txn_po",
            "type": "payout",
            "source": "po_1QhxE6Lk9dXqW3nRpAyOuT01",
            "amount": -19300,
            "fee": 0,
        },
    ]
    stripe_reconcile(since=SINCE)
    stripe_reconcile(since=SINCE)
    assert ReconciliationException.objects.count() == 1

    deliver(load("payout.paid"))
    stripe_reconcile(since=SINCE)

    assert open_exceptions() == []
    row = ReconciliationException.objects.get()
    assert row.resolution == "matched on a later reconciliation run"
    assert ReconciliationRun.objects.count() == 3


def test_a_paid_payout_moves_clearing_to_bank_once(settled, deliver):
    deliver(load("payout.paid"), load("payout.paid"))

    payout = Payout.objects.get()
    assert (payout.amount_minor, payout.currency, payout.status) == (19300, "CNY", "paid")
    assert payout.journal_entry.idempotency_key == "stripe:po_1QhxE6Lk9dXqW3nRpAyOuT01"
    assert JournalEntry.objects.filter(kind=EntryKind.PAYOUT).count() == 1


def test_the_command_prints_what_is_open(settled, gateway, capsys):
    gateway.bt_list = [{**load("balance_transaction"), "id": "txn_x", "source": "ch_x"}]

    call_command("reconcile_stripe", "--since", "2026-03-01")

    out = capsys.readouterr().out
    assert "matched 0, unmatched 2" in out
    assert "unknown_charge" in out and "ch_x" in out


def test_the_daily_task_skips_without_stripe(db):
    assert stripe_reconcile_task() == "skipped: Stripe not configured"
    assert ReconciliationRun.objects.count() == 0
