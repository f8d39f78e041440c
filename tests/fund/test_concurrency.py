"""Concurrent writers on PostgreSQL: the balance-row locks keep every fund solvent."""

import threading

import pytest
from django.db import connection

from fund.exceptions import InsufficientFunds
from fund.models import JournalEntry, ReceivedVia
from fund.selectors import fund_available_balance, trial_balance
from fund.services import restricted_spend
from tests.fund.factories import DAY, FundFactory, cny, gift

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(n_threads, work):
    """Run ``work(i)`` in ``n_threads`` threads released together; collect outcomes."""
    barrier = threading.Barrier(n_threads)
    outcomes = [None] * n_threads

    def run(i):
        try:
            barrier.wait()
            outcomes[i] = work(i)
        except Exception as exc:
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


def test_twenty_threads_race_to_pay_from_a_fund_that_can_afford_seven():
    fund = FundFactory()
    gift(fund, "700.00", via=ReceivedVia.BANK)

    outcomes = race(
        20,
        lambda i: restricted_spend(
            fund=fund,
            amount=cny("100.00"),
            purpose_memo=f"补贴 {i}",
            from_commitment=False,
            effective_date=DAY,
            idempotency_key=f"disbursement:{i}",
        ),
    )

    paid = [o for o in outcomes if isinstance(o, JournalEntry)]
    refused = [o for o in outcomes if isinstance(o, InsufficientFunds)]
    assert (len(paid), len(refused)) == (7, 13)
    assert fund_available_balance(fund=fund) == cny("0")
    assert sorted(e.number for e in paid) == list(range(2, 9))
    assert trial_balance(at=DAY).is_balanced


def test_concurrent_retries_with_one_key_post_once():
    fund = FundFactory()

    outcomes = race(8, lambda i: gift(fund, "50", idempotency_key="stripe:pi_same"))

    assert all(isinstance(o, JournalEntry) for o in outcomes), outcomes
    assert {o.pk for o in outcomes} == {JournalEntry.objects.get().pk}
    assert fund_available_balance(fund=fund) == cny("50")
