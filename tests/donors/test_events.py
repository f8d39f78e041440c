"""Processing Stripe events: one donation and one ledger entry per money movement,
whatever the order, the redeliveries or the expansion of the payloads."""

from __future__ import annotations

import copy

import pytest

from donors.models import (
    Dispute,
    DisputeStatus,
    Donation,
    DonationRefund,
    DonationStatus,
    EventStatus,
    RecurringStatus,
    StripeEvent,
)
from donors.services.events import stripe_event_process, stripe_events_reprocess
from fund.models import EntryKind, JournalEntry
from fund.selectors import fund_balances
from fund.services import fund_create
from tests.donors.factories import DONATION_REF, RecurringGiftFactory
from tests.donors.stripe_fakes import load, with_id

pytestmark = pytest.mark.django_db


def entries(kind: str) -> list[JournalEntry]:
    """Entries caused by Stripe."""
    return list(
        JournalEntry.objects.filter(kind=kind, idempotency_key__startswith="stripe:").order_by("pk")
    )


def lines(entry: JournalEntry) -> list[tuple[str, int, int, str]]:
    return sorted(
        (p.account.code, p.debit_minor, p.credit_minor, p.currency)
        for p in entry.postings.select_related("account")
    )


def online() -> Donation:
    return Donation.objects.get(method="stripe")


def fund_minor(fund) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """(available, net assets with restriction, without restriction) in minor units."""
    b = fund_balances(fund=fund)
    return (
        b.available.amount_minor,
        b.net_assets_restricted.amount_minor,
        b.net_assets_unrestricted.amount_minor,
    )


def settled_pi_event() -> dict:
    """payment_intent.succeeded with the charge and balance transaction expanded."""
    event = load("payment_intent.succeeded")
    charge = load("charge")
    charge["balance_transaction"] = load("balance_transaction")
    event["data"]["object"]["latest_charge"] = charge
    return event


def test_checkout_then_payment_intent_settles_the_gift_once(pending, gateway, deliver):
    deliver(load("checkout.session.completed"), load("payment_intent.succeeded"))

    donation = online()
    assert (donation.status, donation.settled_amount_minor, donation.settled_fee_minor) == (
        DonationStatus.SETTLED,
        20000,
        700,
    )
    assert donation.stripe_payment_intent_id == "pi_3QcsA1Lk9dXqW3nR1xYz0Abc"
    assert donation.stripe_charge_id == "ch_3QcsA1Lk9dXqW3nR1mNo4Pqr"
    assert donation.stripe_balance_transaction_id == "txn_3QcsA1Lk9dXqW3nR1bT5uVwx"
    assert str(donation.received_on) == "2026-03-02"
    assert [e.idempotency_key for e in entries(EntryKind.GIFT)] == [
        "stripe:pi_3QcsA1Lk9dXqW3nR1xYz0Abc"
    ]
    assert donation.journal_entry == entries(EntryKind.GIFT)[0]
    assert lines(donation.journal_entry) == [
        ("contributions", 0, 20000, "CNY"),
        ("net_assets_restricted", 700, 0, "CNY"),
        ("net_assets_unrestricted", 0, 700, "CNY"),
        ("processor_fees", 700, 0, "CNY"),
        ("stripe_clearing", 19300, 0, "CNY"),
    ]
    assert list(StripeEvent.objects.values_list("status", flat=True)) == [
        EventStatus.PROCESSED,
        EventStatus.PROCESSED,
    ]


def test_payment_intent_before_checkout_settles_once(pending, gateway, deliver):
    deliver(load("payment_intent.succeeded"), load("checkout.session.completed"))

    donation = online()
    assert donation.status == DonationStatus.SETTLED
    assert donation.stripe_checkout_session_id == "cs_test_a1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuVwXyZ"
    assert len(entries(EntryKind.GIFT)) == 1


def test_an_expanded_charge_needs_no_call_to_stripe(pending, deliver):
    # No gateway configured: everything must come from the payload (localstripe's shape).
    deliver(settled_pi_event())

    donation = online()
    assert (donation.settled_amount_minor, donation.settled_fee_minor) == (20000, 700)
    assert len(entries(EntryKind.GIFT)) == 1


def test_checkout_without_stripe_access_links_and_waits_for_the_payment(pending, deliver):
    deliver(load("checkout.session.completed"))

    donation = online()
    assert donation.status == DonationStatus.PENDING
    assert donation.stripe_payment_intent_id == "pi_3QcsA1Lk9dXqW3nR1xYz0Abc"
    assert entries(EntryKind.GIFT) == []


def test_a_payment_without_a_pending_row_creates_the_donation_from_metadata(
    campaign, gateway, deliver
):
    deliver(load("payment_intent.succeeded"), load("checkout.session.completed"))

    donation = online()
    assert donation.reference == DONATION_REF
    assert donation.campaign == campaign
    assert (donation.amount_minor, donation.currency) == (20000, "CNY")
    assert donation.donor.email == "chen.xiaohong@example.cn"
    assert len(entries(EntryKind.GIFT)) == 1


def test_a_payment_intent_that_is_not_ours_is_acknowledged_and_ignored(campaign, deliver):
    event = settled_pi_event()
    event["data"]["object"]["metadata"] = {}

    deliver(event)

    assert StripeEvent.objects.get().status == EventStatus.IGNORED
    assert Donation.objects.count() == 0
    assert entries(EntryKind.GIFT) == []


def test_the_fee_the_donor_covered_is_kept_apart_from_the_gift(campaign, gateway, deliver):
    event = settled_pi_event()
    event["data"]["object"]["metadata"]["liftfund_fee_covered"] = "700"

    deliver(event)

    donation = online()
    assert (donation.amount_minor, donation.fee_covered_minor, donation.charged_minor) == (
        19300,
        700,
        20000,
    )


def test_a_settlement_currency_other_than_the_gift_is_recorded_with_both(pending, deliver):
    event = settled_pi_event()
    bt = event["data"]["object"]["latest_charge"]["balance_transaction"]
    bt.update(
        {"amount": 21620, "fee": 760, "net": 20860, "currency": "hkd", "exchange_rate": 1.081}
    )
    campaign = pending.campaign
    campaign.fund = fund_create(
        code="elevator-hk",
        name_zh="港币账户",
        name_en="HKD fund",
        is_restricted=True,
        currency="HKD",
    )
    campaign.save()

    deliver(event)

    donation = online()
    assert (donation.amount_minor, donation.currency) == (20000, "CNY")
    assert (
        donation.settled_amount_minor,
        donation.settled_fee_minor,
        donation.settled_currency,
    ) == (
        21620,
        760,
        "HKD",
    )
    assert lines(entries(EntryKind.GIFT)[0]) == [
        ("contributions", 0, 21620, "HKD"),
        ("net_assets_restricted", 760, 0, "HKD"),
        ("net_assets_unrestricted", 0, 760, "HKD"),
        ("processor_fees", 760, 0, "HKD"),
        ("stripe_clearing", 20860, 0, "HKD"),
    ]


def test_a_settlement_the_fund_cannot_hold_fails_visibly_and_posts_nothing(pending, deliver):
    event = settled_pi_event()
    event["data"]["object"]["latest_charge"]["balance_transaction"]["currency"] = "hkd"

    deliver(event)

    stored = StripeEvent.objects.get()
    assert stored.status == EventStatus.FAILED
    assert stored.last_error.startswith("currency_mismatch:")
    assert online().status == DonationStatus.PENDING
    assert JournalEntry.objects.count() == 0


def test_a_gateway_failure_is_recorded_on_the_event_and_retried_on_request(
    pending, gateway, deliver, django_capture_on_commit_callbacks
):
    gateway.fail = True
    deliver(load("payment_intent.succeeded"))

    event = StripeEvent.objects.get()
    assert event.status == EventStatus.FAILED
    assert event.attempts == 1
    assert event.last_error.startswith("gateway_error: Stripe: APIConnectionError")
    assert online().status == DonationStatus.PENDING
    assert entries(EntryKind.GIFT) == []

    gateway.fail = False
    with django_capture_on_commit_callbacks(execute=True):
        assert stripe_events_reprocess(event_ids=[event.stripe_id]) == 1

    event.refresh_from_db()
    assert (event.status, event.attempts, event.last_error) == (EventStatus.PROCESSED, 2, "")
    assert len(entries(EntryKind.GIFT)) == 1


def test_processing_a_processed_event_again_changes_nothing(pending, gateway, deliver):
    deliver(load("payment_intent.succeeded"))

    event = stripe_event_process(event_id="evt_3QcsA1Lk9dXqW3nR1pQ2rS3t")

    assert event.attempts == 1
    assert len(entries(EntryKind.GIFT)) == 1


def test_the_same_payment_sent_as_a_new_event_posts_nothing_more(pending, gateway, deliver):
    event = load("payment_intent.succeeded")

    deliver(event, with_id(event, "x"), with_id(event, "y"))

    assert Donation.objects.count() == 1
    assert len(entries(EntryKind.GIFT)) == 1
    assert StripeEvent.objects.count() == 3


# Refunds -----------------------------------------------------------------------------------


def test_a_full_refund_gives_back_what_the_fund_holds_and_leaves_the_fee_unrestricted(
    pending, gateway, deliver
):
    # The fund holds ¥193 of the ¥200 gift (the ¥7 fee was released when it settled) and
    # nothing else: the refund takes that ¥193 back out of restriction, and the fee Stripe
    # keeps is borne by unrestricted net assets, not by other donors' money.
    deliver(load("payment_intent.succeeded"), load("charge.refunded.full"))

    assert StripeEvent.objects.get(type="charge.refunded").status == EventStatus.PROCESSED
    donation = online()
    assert (donation.status, donation.refunded_minor) == (DonationStatus.REFUNDED, 20000)
    [entry] = entries(EntryKind.REFUND)
    assert lines(entry) == [
        ("contributions", 20000, 0, "CNY"),
        ("net_assets_restricted", 0, 700, "CNY"),
        ("net_assets_unrestricted", 700, 0, "CNY"),
        ("stripe_clearing", 0, 20000, "CNY"),
    ]
    assert fund_minor(pending.campaign.fund) == (0, 0, -700)


def test_a_partial_refund_reverses_that_part(pending, gateway, deliver):
    deliver(load("payment_intent.succeeded"), load("charge.refunded"))

    donation = online()
    refund = DonationRefund.objects.get()
    assert (refund.stripe_refund_id, refund.amount_minor, refund.settled_amount_minor) == (
        "re_3QcsA1Lk9dXqW3nR1aAaBbCc",
        5000,
        5000,
    )
    assert (donation.status, donation.refunded_minor) == (DonationStatus.PARTIALLY_REFUNDED, 5000)
    [entry] = entries(EntryKind.REFUND)
    assert entry.idempotency_key == "stripe:re_3QcsA1Lk9dXqW3nR1aAaBbCc"
    assert refund.journal_entry == entry
    assert entry.refers_to == donation.journal_entry
    # The ¥150 left keeps its share of the fee (¥5.25); ¥1.75 goes back into restriction.
    assert lines(entry) == [
        ("contributions", 5000, 0, "CNY"),
        ("net_assets_restricted", 0, 175, "CNY"),
        ("net_assets_unrestricted", 175, 0, "CNY"),
        ("stripe_clearing", 0, 5000, "CNY"),
    ]
    assert fund_minor(pending.campaign.fund) == (14475, 14475, -175)


def test_partial_then_full_refund_without_refund_list_uses_the_refunded_delta(pending, deliver):
    # charge.refunded.full carries no refund list (current API versions) and no Stripe key
    # is configured: the amount is the growth of amount_refunded.
    deliver(settled_pi_event(), load("charge.refunded"), load("charge.refunded.full"))

    donation = online()
    amounts = list(
        DonationRefund.objects.order_by("pk").values_list("amount_minor", "settled_amount_minor")
    )
    assert amounts == [(5000, 5000), (15000, 15000)]
    assert (donation.status, donation.refunded_minor) == (DonationStatus.REFUNDED, 20000)
    assert [e.idempotency_key for e in entries(EntryKind.REFUND)] == [
        "stripe:re_3QcsA1Lk9dXqW3nR1aAaBbCc",
        "stripe:ch_3QcsA1Lk9dXqW3nR1mNo4Pqr:refunded:20000",
    ]
    assert fund_minor(pending.campaign.fund) == (0, 0, -700)


def test_a_full_refund_listed_by_stripe_is_recorded_per_refund(pending, gateway, deliver):
    gateway.refunds = [
        {**load("charge.refunded")["data"]["object"]["refunds"]["data"][0]},
        {
            "id": "re_3QcsA1Lk9dXqW3nR1dDdEeFf",
            "object": "refund",
            "amount": 15000,
            "charge": "ch_3QcsA1Lk9dXqW3nR1mNo4Pqr",
            "created": 1772765990,
            "currency": "cny",
            "status": "succeeded",
        },
    ]

    deliver(load("payment_intent.succeeded"), load("charge.refunded.full"), load("charge.refunded"))

    assert list(
        DonationRefund.objects.order_by("pk").values_list("stripe_refund_id", "amount_minor")
    ) == [("re_3QcsA1Lk9dXqW3nR1aAaBbCc", 5000), ("re_3QcsA1Lk9dXqW3nR1dDdEeFf", 15000)]
    assert len(entries(EntryKind.REFUND)) == 2
    assert online().status == DonationStatus.REFUNDED


def test_refunds_of_a_cross_currency_gift_add_up_to_the_settled_amount(pending, deliver):
    event = settled_pi_event()
    event["data"]["object"]["latest_charge"]["balance_transaction"].update(
        {"amount": 21621, "fee": 760, "currency": "cny"}
    )

    deliver(event, load("charge.refunded"), load("charge.refunded.full"))

    assert list(
        DonationRefund.objects.order_by("pk").values_list("settled_amount_minor", flat=True)
    ) == [5405, 16216]
    assert online().refunded_minor == 21621
    assert fund_minor(pending.campaign.fund) == (0, 0, -760)


def test_a_refund_arriving_before_the_payment_waits_for_it(pending, gateway, deliver):
    pending.delete()
    deliver(load("charge.refunded"))

    waiting = StripeEvent.objects.get()
    assert (waiting.status, waiting.waiting_for) == (
        EventStatus.DEFERRED,
        "pi_3QcsA1Lk9dXqW3nR1xYz0Abc",
    )
    assert DonationRefund.objects.count() == 0

    deliver(load("payment_intent.succeeded"))

    waiting.refresh_from_db()
    assert waiting.status == EventStatus.PROCESSED
    assert (len(entries(EntryKind.GIFT)), len(entries(EntryKind.REFUND))) == (1, 1)
    assert online().status == DonationStatus.PARTIALLY_REFUNDED


def test_a_refund_of_a_linked_but_unsettled_gift_settles_it_first(pending, deliver):
    deliver(load("checkout.session.completed"))  # no Stripe access: linked, not settled
    refunded = load("charge.refunded")
    refunded["data"]["object"]["balance_transaction"] = load("balance_transaction")

    deliver(refunded)

    donation = online()
    assert donation.settled_amount_minor == 20000
    assert (len(entries(EntryKind.GIFT)), len(entries(EntryKind.REFUND))) == (1, 1)


# Disputes ----------------------------------------------------------------------------------


def test_a_dispute_withdraws_the_gift_and_winning_reinstates_it(pending, gateway, deliver):
    deliver(load("payment_intent.succeeded"), load("charge.dispute.created"))

    dispute = Dispute.objects.get()
    assert (dispute.status, dispute.withdrawn_minor, dispute.fee_minor) == (
        DisputeStatus.OPEN,
        20000,
        11000,
    )
    assert online().status == DonationStatus.DISPUTED
    [withdrawal] = entries(EntryKind.DISPUTE_WITHDRAWAL)
    assert withdrawal.idempotency_key == "stripe:dp_1QcsZYLk9dXqW3nR0dIsPuTe:withdrawal"
    # The ¥110 dispute fee is a processor fee borne by unrestricted net assets, like the ¥7
    # fee of the gift taken back: the restricted money of other gifts is untouched.
    [fee] = entries(EntryKind.PROCESSOR_FEE)
    assert dispute.fee_entry == fee
    assert fee.idempotency_key == "stripe:dispute_fee:dp_1QcsZYLk9dXqW3nR0dIsPuTe"
    assert lines(fee) == [("processor_fees", 11000, 0, "CNY"), ("stripe_clearing", 0, 11000, "CNY")]
    assert fund_minor(pending.campaign.fund) == (0, 0, -11700)

    deliver(load("charge.dispute.closed"), load("charge.dispute.created"))

    dispute.refresh_from_db()
    assert (dispute.status, dispute.fee_minor) == (DisputeStatus.WON, 0)
    assert dispute.reinstatement_entry.reverses == withdrawal
    assert dispute.reinstatement_entry.idempotency_key == (
        "stripe:dp_1QcsZYLk9dXqW3nR0dIsPuTe:reinstated"
    )
    # Stripe gave the fee back with the money: the fee entry is reversed, once.
    assert dispute.fee_return_entry.reverses == fee
    assert dispute.fee_return_entry.idempotency_key == (
        "stripe:dispute_fee:dp_1QcsZYLk9dXqW3nR0dIsPuTe:returned"
    )
    assert len(entries(EntryKind.PROCESSOR_FEE)) == 1
    assert len(entries(EntryKind.REVERSAL)) == 2
    assert online().status == DonationStatus.SETTLED
    assert fund_minor(pending.campaign.fund) == (19300, 19300, 0)


def test_a_lost_dispute_keeps_the_withdrawal(pending, gateway, deliver, monkeypatch):
    lost = []
    monkeypatch.setattr("donors.hooks.donation_dispute_lost", lambda d, p: lost.append((d, p)))
    closed = load("charge.dispute.closed")
    closed["data"]["object"]["status"] = "lost"
    closed["data"]["object"]["balance_transactions"] = closed["data"]["object"][
        "balance_transactions"
    ][:1]

    deliver(load("payment_intent.succeeded"), load("charge.dispute.created"), closed)

    dispute = Dispute.objects.get()
    assert dispute.status == DisputeStatus.LOST
    assert dispute.reinstatement_entry is None
    assert len(entries(EntryKind.DISPUTE_WITHDRAWAL)) == 1
    assert online().status == DonationStatus.DISPUTED
    assert lost == [(pending.pk, dispute.pk)]
    assert (dispute.fee_minor, dispute.fee_return_entry) == (11000, None)
    assert fund_minor(pending.campaign.fund) == (0, 0, -11700)


def test_a_dispute_fee_given_back_in_part_leaves_the_part_kept(pending, gateway, deliver):
    closed = load("charge.dispute.closed")
    closed["data"]["object"]["balance_transactions"][1]["fee"] = -5000

    deliver(load("payment_intent.succeeded"), load("charge.dispute.created"), closed)

    dispute = Dispute.objects.get()
    assert dispute.fee_minor == 6000
    kept = JournalEntry.objects.get(
        idempotency_key=f"stripe:dispute_fee:{dispute.stripe_dispute_id}:net"
    )
    assert lines(kept) == [("processor_fees", 6000, 0, "CNY"), ("stripe_clearing", 0, 6000, "CNY")]
    assert dispute.fee_return_entry.reverses == dispute.fee_entry
    assert fund_minor(pending.campaign.fund) == (19300, 19300, -6000)


def test_a_won_dispute_reported_before_its_creation_nets_to_nothing(pending, gateway, deliver):
    deliver(
        load("payment_intent.succeeded"),
        load("charge.dispute.closed"),
        load("charge.dispute.created"),
    )

    dispute = Dispute.objects.get()
    assert dispute.status == DisputeStatus.WON
    assert len(entries(EntryKind.DISPUTE_WITHDRAWAL)) == 1
    assert len(entries(EntryKind.PROCESSOR_FEE)) == 1
    assert len(entries(EntryKind.REVERSAL)) == 2
    assert online().status == DonationStatus.SETTLED
    assert fund_minor(pending.campaign.fund) == (19300, 19300, 0)


def test_an_inquiry_withdraws_nothing(pending, gateway, deliver):
    inquiry = load("charge.dispute.created")
    inquiry["data"]["object"].update(
        {"status": "warning_needs_response", "balance_transactions": []}
    )

    deliver(load("payment_intent.succeeded"), inquiry)

    assert Dispute.objects.get().withdrawal_entry is None
    assert entries(EntryKind.DISPUTE_WITHDRAWAL) == []
    assert entries(EntryKind.PROCESSOR_FEE) == []


def test_a_dispute_before_the_payment_waits_for_it(pending, gateway, deliver):
    deliver(load("charge.dispute.created"))

    assert StripeEvent.objects.get().status == EventStatus.DEFERRED

    deliver(load("payment_intent.succeeded"))

    assert StripeEvent.objects.filter(status=EventStatus.PROCESSED).count() == 2
    assert len(entries(EntryKind.DISPUTE_WITHDRAWAL)) == 1


# Monthly gifts -----------------------------------------------------------------------------


def test_a_monthly_gift_starts_with_checkout_and_each_paid_invoice_is_a_gift(
    campaign, gateway, deliver
):
    recurring = RecurringGiftFactory(campaign=campaign)

    deliver(load("checkout.session.completed.subscription"), load("invoice.paid"))

    recurring.refresh_from_db()
    assert recurring.status == RecurringStatus.ACTIVE
    assert recurring.stripe_subscription_id == "sub_1QeuB2Lk9dXqW3nRsUbScR1p"
    donation = online()
    assert (donation.kind, donation.recurring, donation.stripe_invoice_id) == (
        "monthly",
        recurring,
        "in_1QeuB2Lk9dXqW3nRInV00001",
    )
    assert (donation.settled_amount_minor, donation.settled_fee_minor) == (10000, 340)
    assert donation.donor.email == "wang.jianguo@example.cn"
    [entry] = entries(EntryKind.GIFT)
    assert entry.idempotency_key == "stripe:pi_3QeuB3Lk9dXqW3nR0MoNtH01"


def test_an_invoice_before_its_checkout_is_matched_by_metadata(campaign, gateway, deliver):
    RecurringGiftFactory(campaign=campaign)

    deliver(
        load("invoice.paid"), load("invoice.paid"), load("checkout.session.completed.subscription")
    )

    assert Donation.objects.count() == 1
    assert len(entries(EntryKind.GIFT)) == 1


def test_an_invoice_in_the_old_api_shape_is_read_too(campaign, gateway, deliver):
    RecurringGiftFactory(campaign=campaign)
    event = load("invoice.paid")
    invoice = event["data"]["object"]
    invoice.pop("parent")
    invoice.pop("payments")
    invoice["subscription"] = "sub_1QeuB2Lk9dXqW3nRsUbScR1p"
    invoice["charge"] = "ch_3QeuB3Lk9dXqW3nR0MoNtHc1"
    invoice["subscription_details"] = {
        "metadata": copy.deepcopy(invoice["lines"]["data"][0]["metadata"])
    }

    deliver(event)

    assert online().settled_amount_minor == 10000


def test_cancelling_the_subscription_ends_the_monthly_gift(campaign, gateway, deliver):
    recurring = RecurringGiftFactory(campaign=campaign)
    deliver(load("checkout.session.completed.subscription"))

    deliver(load("customer.subscription.deleted"))

    recurring.refresh_from_db()
    assert recurring.status == RecurringStatus.CANCELLED
    assert recurring.cancelled_at.isoformat() == "2026-04-02T03:19:50+00:00"
