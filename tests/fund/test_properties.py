"""Random sequences of gifts, fees, refunds (with and without returned fees), disputes,
bare processor fees, payouts, commitments, spending, transfers and reversals: every entry
balances, the trial balance is zero, restricted balances never go below zero, stored
balances equal the postings, each gift keeps exactly its share of restricted money
(nothing once given back in full), ``ledger_verify`` passes, and each operation is refused
exactly when a simple model of the fund says it must be (and then changes nothing)."""

import itertools
from collections import defaultdict
from dataclasses import dataclass, field

import pytest
from django.db.models import F, Sum
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from fund.checks import ledger_verify
from fund.exceptions import (
    AlreadyReversed,
    FundError,
    InsufficientFunds,
    InvalidAmount,
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
    processor_fee_record,
    restricted_spend,
)
from fund.services.gift_fees import gift_state
from tests.fund.factories import DAY, FundFactory, GeneralFundFactory

pytestmark = pytest.mark.django_db

_codes = itertools.count()
amounts = st.integers(min_value=1, max_value=500_00)


def cny(minor):
    return Money(minor, "CNY")


@dataclass
class GiftModel:
    """What the model knows of one gift: amount G, kept fee F, its refunds not reversed."""

    fund: object
    amount: int
    fee: int
    stripe: bool
    reversed: bool = False
    refunds: dict = field(default_factory=dict)  # entry pk -> (amount, fee returned)

    @property
    def refunded(self):
        return sum(a for a, _f in self.refunds.values())

    @property
    def fee_returned(self):
        return sum(f for _a, f in self.refunds.values())

    def released(self, refunded=None, fee_returned=None):
        """S(R, FR), the fee released from restriction, worked out independently."""
        r = self.refunded if refunded is None else refunded
        fr = self.fee_returned if fee_returned is None else fee_returned
        return (self.fee - fr) * (self.amount - r) // self.amount


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
        # The model: per fund available, committed, Stripe clearing and (restricted fund)
        # unrestricted net assets; per gift its refunds; per entry what it changed.
        self.available = defaultdict(int)
        self.committed = defaultdict(int)
        self.clearing = defaultdict(int)
        self.unrestricted = defaultdict(int)
        self.gift_models = {}  # gift entry pk -> GiftModel
        self.refund_of = {}  # refund entry pk -> gift entry pk
        self.effects = {}  # entry pk -> [(fund pk, d_available, d_committed, d_clearing, d_unr)]

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

    def apply(self, effects):
        for fund_pk, d_available, d_committed, d_clearing, d_unrestricted in effects:
            self.available[fund_pk] += d_available
            self.committed[fund_pk] += d_committed
            self.clearing[fund_pk] += d_clearing
            self.unrestricted[fund_pk] += d_unrestricted

    def overdraws(self, effects):
        """Whether the entry would take an available or committed balance lower, below zero."""
        return any(
            (a < 0 and self.available[f] + a < 0) or (c < 0 and self.committed[f] + c < 0)
            for f, a, c, _k, _u in effects
        )

    def refund_effects(self, g, amount, fee_back, sign=1):
        """A refund of ``amount`` with ``fee_back`` returned (sign -1: its reversal)."""
        if g.fund.is_restricted:
            after = g.released(g.refunded + sign * amount, g.fee_returned + sign * fee_back)
            d_released = after - g.released()
            d_available = -sign * amount - d_released
            d_unrestricted = d_released + sign * fee_back
        else:
            d_available, d_unrestricted = -sign * (amount - fee_back), 0
        d_clearing = -sign * (amount - fee_back) if g.stripe else 0
        return [(g.fund.pk, d_available, 0, d_clearing, d_unrestricted)]

    # --- rules -----------------------------------------------------------------------------

    @initialize(
        target=gifts,
        amount=amounts,
        fee_percent=st.sampled_from([1, 3, 60]),
        stripe=st.booleans(),
    )
    def first_gift(self, amount, fee_percent, stripe):
        # Every history starts with a restricted gift that kept a fee: the case refunds,
        # disputes and reinstatements are most interesting for.
        return self.gift(True, amount, fee_percent, stripe)

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
            [(fund.pk, net, 0, net if stripe else 0, 0)],
        )
        self.gift_models[entry.pk] = GiftModel(fund=fund, amount=amount, fee=fee, stripe=stripe)
        return entry

    @rule(
        target=entries,
        gift=gifts,
        share=st.integers(min_value=1, max_value=120),
        fee_share=st.sampled_from([0, 0, 50, 100, 150]),
        dispute=st.booleans(),
    )
    def refund(self, gift, share, fee_share, dispute):
        g = self.gift_models[gift.pk]
        amount = max(1, g.amount * share // 100)
        fee_back = (g.fee - g.fee_returned) * fee_share // 100 if fee_share < 150 else g.fee + 1
        effects = self.refund_effects(g, amount, fee_back)
        if fee_back > amount:
            expected = InvalidAmount
        elif g.reversed or amount > g.amount - g.refunded or fee_back > g.fee - g.fee_returned:
            expected = RefundExceedsGift
        elif self.overdraws(effects):
            expected = InsufficientFunds
        else:
            expected = None
        entry = self.attempt(
            lambda: gift_refund(
                gift_entry=gift,
                amount=cny(amount),
                fee_returned=cny(fee_back) if fee_back else None,
                kind=EntryKind.DISPUTE_WITHDRAWAL if dispute else EntryKind.REFUND,
                effective_date=DAY,
                idempotency_key=next(self.keys),
            ),
            expected,
            effects,
        )
        if entry is not None:
            g.refunds[entry.pk] = (amount, fee_back)
            self.refund_of[entry.pk] = gift.pk
        return entry

    @rule(target=entries, restricted=st.booleans(), amount=amounts)
    def processor_fee(self, restricted, amount):
        fund = self.fund(restricted)
        effects = [
            (fund.pk, 0, 0, -amount, -amount) if restricted else (fund.pk, -amount, 0, -amount, 0)
        ]
        return self.attempt(
            lambda: processor_fee_record(
                fund=fund, amount=cny(amount), effective_date=DAY, idempotency_key=next(self.keys)
            ),
            InsufficientFunds if self.overdraws(effects) else None,
            effects,
        )

    @rule(restricted=st.booleans(), amount=amounts)
    def payout(self, restricted, amount):
        fund = self.fund(restricted)
        self.attempt(
            lambda: payout_record(
                fund=fund, amount=cny(amount), effective_date=DAY, idempotency_key=next(self.keys)
            ),
            InsufficientFunds if amount > self.clearing[fund.pk] else None,
            [(fund.pk, 0, 0, -amount, 0)],
        )

    @rule(target=entries, restricted=st.booleans(), amount=amounts)
    def commit(self, restricted, amount):
        fund = self.fund(restricted)
        return self.attempt(
            lambda: funds_commit(
                fund=fund, amount=cny(amount), idempotency_key=next(self.keys), effective_date=DAY
            ),
            InsufficientFunds if amount > self.available[fund.pk] else None,
            [(fund.pk, -amount, amount, 0, 0)],
        )

    @rule(restricted=st.booleans(), amount=amounts)
    def release(self, restricted, amount):
        fund = self.fund(restricted)
        self.attempt(
            lambda: commitment_release(
                fund=fund, amount=cny(amount), idempotency_key=next(self.keys), effective_date=DAY
            ),
            InsufficientFunds if amount > self.committed[fund.pk] else None,
            [(fund.pk, amount, -amount, 0, 0)],
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
            [
                (
                    fund.pk,
                    0 if from_commitment else -amount,
                    -amount if from_commitment else 0,
                    0,
                    0,
                )
            ],
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
            [(source.pk, -amount, 0, 0, 0), (target.pk, amount, 0, 0, 0)],
        )

    @rule(entry=st.one_of(gifts, entries).filter(lambda e: e is not None))
    def reverse(self, entry):
        refund_of = self.refund_of.get(entry.pk)
        if refund_of is not None:
            g = self.gift_models[refund_of]
            amount, fee_back = g.refunds.get(entry.pk, (0, 0))
            effects = self.refund_effects(g, amount, fee_back, sign=-1)
        else:
            effects = [(f, -a, -c, -k, -u) for f, a, c, k, u in self.effects[entry.pk]]
        if JournalEntry.objects.filter(reverses=entry).exists():
            expected = AlreadyReversed
        elif entry.pk in self.gift_models and self.gift_models[entry.pk].refunds:
            expected = ReversalNotAllowed
        elif self.overdraws(effects):
            expected = InsufficientFunds
        else:
            expected = None
        reversal = self.attempt(
            lambda: journal_entry_reverse(
                entry=entry, idempotency_key=next(self.keys), effective_date=DAY
            ),
            expected,
            effects,
        )
        if reversal is None:
            return
        if refund_of is not None:
            # A reversed refund (a won dispute) makes its amount refundable again.
            del self.gift_models[refund_of].refunds[entry.pk]
        elif entry.pk in self.gift_models:
            self.gift_models[entry.pk].reversed = True

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
        # Fees not recovered are all a restricted fund's unrestricted net assets ever hold.
        restricted = fund_balances(fund=self.restricted)
        assert (
            restricted.net_assets_unrestricted.amount_minor == self.unrestricted[self.restricted.pk]
        )
        assert fund_balances(fund=self.general).net_assets_restricted.amount_minor == 0

    @invariant()
    def each_gift_keeps_exactly_its_share_of_restricted_money(self):
        for pk, g in self.gift_models.items():
            if not g.fund.is_restricted or g.reversed:
                continue
            state = gift_state(JournalEntry.objects.get(pk=pk))
            assert (state.refunded, state.fee_returned) == (g.refunded, g.fee_returned)
            assert state.released == g.released()
            restricted_left = g.amount - g.refunded - g.released()
            assert restricted_left >= 0
            if g.refunded == g.amount:
                assert restricted_left == 0

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

    def teardown(self):
        # ledger_verify agrees: chain, balances, and restricted money never spent unreleased.
        result = ledger_verify()
        assert result.problems == []


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
