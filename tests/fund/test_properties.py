"""Random sequences of gifts, fees, refunds, payouts, commitments, spending, transfers and
reversals: every entry balances, the trial balance is zero, restricted balances never go
below zero, stored balances equal the postings, and each operation is refused exactly when
a simple model of the fund says it must be (and then changes nothing)."""

import itertools
from collections import defaultdict

import pytest
from django.db.models import F, Sum
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from fund.exceptions import (
    AlreadyReversed,
    FundError,
    InsufficientFunds,
    RefundExceedsGift,
    ReversalNotAllowed,
)
from fund.models import AccountBalance, EntryKind, JournalEntry, Posting, ReceivedVia
from fund.money import Money
from fund.selectors import fund_balances
from fund.services import (
    commitment_release,
    fund_transfer,
    funds_commit,
    gift_record,
    gift_refund,
    journal_entry_reverse,
    payout_record,
    restricted_spend,
)
from tests.fund.factories import DAY, FundFactory, GeneralFundFactory

pytestmark = pytest.mark.django_db

_codes = itertools.count()
amounts = st.integers(min_value=1, max_value=500_00)


def cny(minor):
    return Money(minor, "CNY")


class LedgerMachine(RuleBasedStateMachine):
    gifts = Bundle("gifts")
    entries = Bundle("entries")

    def __init__(self):
        super().__init__()
        n = next(_codes)
        self.restricted = FundFactory(code=f"prop-r-{n}")
        self.general = GeneralFundFactory(code=f"prop-g-{n}")
        self.funds = (self.restricted, self.general)
        self.keys = (f"prop-{n}-{i}" for i in itertools.count())
        # The model: per fund (available, committed, clearing); per gift what is refundable.
        self.available = defaultdict(int)
        self.committed = defaultdict(int)
        self.clearing = defaultdict(int)
        self.refundable = {}
        self.effects = {}  # entry pk -> list of (fund pk, d_available, d_committed, d_clearing)

    # --- helpers ---------------------------------------------------------------------------

    def fund(self, restricted):
        return self.restricted if restricted else self.general

    def snapshot(self):
        return (
            JournalEntry.objects.count(),
            list(
                AccountBalance.objects.filter(account__fund__in=self.funds)
                .order_by("account_id")
                .values_list("debit_total_minor", "credit_total_minor")
            ),
        )

    def attempt(self, call, expected_error, effects):
        """Run ``call``; it must fail with ``expected_error`` (or succeed when None)."""
        before = self.snapshot()
        event(f"expected {expected_error.__name__ if expected_error else 'success'}")
        try:
            entry = call()
        except FundError as error:
            assert expected_error is not None and isinstance(error, expected_error), (
                f"unexpected {error!r}"
            )
            assert self.snapshot() == before
            return None
        assert expected_error is None, f"expected {expected_error.__name__}"
        self.apply(effects)
        self.effects[entry.pk] = effects
        return entry

    def apply(self, effects, sign=1):
        for fund_pk, d_available, d_committed, d_clearing in effects:
            self.available[fund_pk] += sign * d_available
            self.committed[fund_pk] += sign * d_committed
            self.clearing[fund_pk] += sign * d_clearing

    # --- rules -----------------------------------------------------------------------------

    @rule(
        target=gifts,
        restricted=st.booleans(),
        amount=amounts,
        fee_percent=st.sampled_from([0, 1, 3, 60]),
        stripe=st.booleans(),
    )
    def gift(self, restricted, amount, fee_percent, stripe):
        fund = self.fund(restricted)
        fee = amount * fee_percent // 100
        net = amount - fee
        entry = self.attempt(
            lambda: gift_record(
                fund=fund,
                amount=cny(amount),
                fee=cny(fee) if fee else None,
                received_via=ReceivedVia.STRIPE if stripe else ReceivedVia.BANK,
                effective_date=DAY,
                idempotency_key=next(self.keys),
            ),
            None,
            [(fund.pk, net, 0, net if stripe else 0)],
        )
        self.refundable[entry.pk] = (fund, amount, stripe)
        return entry

    @rule(
        target=entries,
        gift=gifts,
        share=st.integers(min_value=1, max_value=120),
        dispute=st.booleans(),
    )
    def refund(self, gift, share, dispute):
        fund, left, stripe = self.refundable[gift.pk]
        amount = max(
            1,
            gift.postings.get(credit_minor__gt=0, account__code="contributions").credit_minor
            * share
            // 100,
        )
        if JournalEntry.objects.filter(reverses=gift).exists() or amount > left:
            expected = RefundExceedsGift
        elif amount > self.available[fund.pk]:
            expected = InsufficientFunds
        else:
            expected = None
        entry = self.attempt(
            lambda: gift_refund(
                gift_entry=gift,
                amount=cny(amount),
                kind=EntryKind.DISPUTE_WITHDRAWAL if dispute else EntryKind.REFUND,
                effective_date=DAY,
                idempotency_key=next(self.keys),
            ),
            expected,
            [(fund.pk, -amount, 0, -amount if stripe else 0)],
        )
        if entry is not None:
            self.refundable[gift.pk] = (fund, left - amount, stripe)
            self.refundable[entry.pk] = (fund, amount, stripe)  # reinstated if reversed
        return entry

    @rule(restricted=st.booleans(), amount=amounts)
    def payout(self, restricted, amount):
        fund = self.fund(restricted)
        self.attempt(
            lambda: payout_record(
                fund=fund, amount=cny(amount), effective_date=DAY, idempotency_key=next(self.keys)
            ),
            InsufficientFunds if amount > self.clearing[fund.pk] else None,
            [(fund.pk, 0, 0, -amount)],
        )

    @rule(target=entries, restricted=st.booleans(), amount=amounts)
    def commit(self, restricted, amount):
        fund = self.fund(restricted)
        return self.attempt(
            lambda: funds_commit(
                fund=fund, amount=cny(amount), idempotency_key=next(self.keys), effective_date=DAY
            ),
            InsufficientFunds if amount > self.available[fund.pk] else None,
            [(fund.pk, -amount, amount, 0)],
        )

    @rule(restricted=st.booleans(), amount=amounts)
    def release(self, restricted, amount):
        fund = self.fund(restricted)
        self.attempt(
            lambda: commitment_release(
                fund=fund, amount=cny(amount), idempotency_key=next(self.keys), effective_date=DAY
            ),
            InsufficientFunds if amount > self.committed[fund.pk] else None,
            [(fund.pk, amount, -amount, 0)],
        )

    @rule(target=entries, restricted=st.booleans(), amount=amounts, from_commitment=st.booleans())
    def spend(self, restricted, amount, from_commitment):
        fund = self.fund(restricted)
        pool = self.committed if from_commitment else self.available
        return self.attempt(
            lambda: restricted_spend(
                fund=fund,
                amount=cny(amount),
                purpose_memo="补贴",
                from_commitment=from_commitment,
                effective_date=DAY,
                idempotency_key=next(self.keys),
            ),
            InsufficientFunds if amount > pool[fund.pk] else None,
            [(fund.pk, 0 if from_commitment else -amount, -amount if from_commitment else 0, 0)],
        )

    @rule(target=entries, to_general=st.booleans(), amount=amounts)
    def transfer(self, to_general, amount):
        source, target = (
            (self.restricted, self.general) if to_general else (self.general, self.restricted)
        )
        return self.attempt(
            lambda: fund_transfer(
                source=source,
                target=target,
                amount=cny(amount),
                basis_kind="donor_consent",
                basis_reference="同意书",
                effective_date=DAY,
                idempotency_key=next(self.keys),
            ),
            InsufficientFunds if amount > self.available[source.pk] else None,
            [(source.pk, -amount, 0, 0), (target.pk, amount, 0, 0)],
        )

    @rule(entry=st.one_of(gifts, entries).filter(lambda e: e is not None))
    def reverse(self, entry):
        effects = self.effects[entry.pk]
        reverse_effects = [(f, -a, -c, -k) for f, a, c, k in effects]
        if JournalEntry.objects.filter(reverses=entry).exists():
            expected = AlreadyReversed
        elif (
            entry.kind == EntryKind.GIFT
            and JournalEntry.objects.filter(refers_to=entry, reversed_by__isnull=True).exists()
        ):
            expected = ReversalNotAllowed
        elif any(self.available[f] - a < 0 or self.committed[f] - c < 0 for f, a, c, _k in effects):
            expected = InsufficientFunds
        else:
            expected = None
        reversal = self.attempt(
            lambda: journal_entry_reverse(
                entry=entry, idempotency_key=next(self.keys), effective_date=DAY
            ),
            expected,
            reverse_effects,
        )
        if reversal is not None and entry.pk in self.refundable and entry.kind != EntryKind.GIFT:
            # A reversed refund makes its amount refundable again.
            _fund, amount, _stripe = self.refundable[entry.pk]
            gift_pk = entry.refers_to_id
            g_fund, left, g_stripe = self.refundable[gift_pk]
            self.refundable[gift_pk] = (g_fund, left + amount, g_stripe)

    # --- invariants ------------------------------------------------------------------------

    @invariant()
    def every_entry_balances_and_the_trial_balance_is_zero(self):
        postings = Posting.objects.filter(account__fund__in=self.funds)
        unbalanced = (
            postings.values("entry_id")
            .annotate(d=Sum("debit_minor"), c=Sum("credit_minor"))
            .exclude(d=F("c"))
        )
        assert list(unbalanced) == []
        totals = postings.aggregate(
            d=Sum("debit_minor", default=0), c=Sum("credit_minor", default=0)
        )
        assert totals["d"] == totals["c"]

    @invariant()
    def balances_match_the_model_and_never_go_below_zero(self):
        for fund in self.funds:
            b = fund_balances(fund=fund)
            assert b.available.amount_minor == self.available[fund.pk] >= 0
            assert b.committed.amount_minor == self.committed[fund.pk] >= 0
            assert b.assets == b.net_assets_restricted + b.net_assets_unrestricted
        assert fund_balances(fund=self.restricted).net_assets_unrestricted.amount_minor == 0
        assert fund_balances(fund=self.general).net_assets_restricted.amount_minor == 0

    @invariant()
    def stored_balances_equal_the_postings(self):
        stored = {
            b.account_id: (b.debit_total_minor, b.credit_total_minor)
            for b in AccountBalance.objects.filter(account__fund__in=self.funds)
        }
        sums = {
            r["account_id"]: (r["d"], r["c"])
            for r in Posting.objects.filter(account__fund__in=self.funds)
            .values("account_id")
            .annotate(d=Sum("debit_minor"), c=Sum("credit_minor"))
        }
        assert {k: v for k, v in stored.items() if v != (0, 0)} == sums


def test_random_ledger_histories_keep_every_invariant(db):
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=20,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
