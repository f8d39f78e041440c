import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from fund.checks import ledger_verify
from fund.models import AccountBalance, ChainHead, CheckTrigger, JournalEntry, LedgerCheck
from fund.services import (
    funds_commit,
    gift_refund,
    journal_entry_reverse,
    payout_record,
    processor_fee_record,
    restricted_spend,
)
from fund.tasks import ledger_verify_task
from tests.fund.factories import DAY, FundFactory, GeneralFundFactory, cny, gift

pytestmark = pytest.mark.django_db


def busy_ledger():
    """A few entries of every kind over two funds."""
    elevator, general = FundFactory(code="elevator"), GeneralFundFactory(code="general")
    g1 = gift(elevator, "100", via="bank")
    g2 = gift(elevator, "1500", fee="9")
    gift(general, "200", fee="1.2")
    gift_refund(gift_entry=g2, amount=cny("100"), effective_date=DAY, idempotency_key="re")
    payout_record(fund=elevator, amount=cny("1300"), effective_date=DAY, idempotency_key="po")
    funds_commit(fund=elevator, amount=cny("600"), idempotency_key="c")
    restricted_spend(
        fund=elevator,
        amount=cny("250"),
        purpose_memo="补贴",
        from_commitment=True,
        effective_date=DAY,
        idempotency_key="d",
    )
    journal_entry_reverse(entry=g1, idempotency_key="rev", effective_date=DAY)
    return elevator, general


def tamper(sql, params=()):
    """Edit ledger rows behind the triggers' back, as a database superuser could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Run the balance checks the services' inserts queued (they would otherwise fire
            # at the test's end and see the edit), then switch triggers off until rollback.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute("SET LOCAL session_replication_role = replica")
        else:
            # SQLite DDL is transactional: the triggers come back with the rollback.
            for table in ("posting", "journalentry"):
                for op in ("update", "delete"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS fund_{table}_no_{op}")
        cursor.execute(sql, params)


def test_a_sound_ledger_verifies():
    busy_ledger()

    result = ledger_verify()

    assert result.problems == []
    assert result.entries_checked == 8
    assert result.last_number == 8
    assert result.last_hash == JournalEntry.objects.get(number=8).hash


def test_the_command_reports_success_and_records_the_check(capsys):
    busy_ledger()

    call_command("ledger_verify")

    assert "Ledger OK: 8 entries" in capsys.readouterr().out
    check = LedgerCheck.objects.get()
    assert (check.ok, check.trigger, check.entries_checked, check.problems) == (
        True,
        CheckTrigger.MANUAL,
        8,
        [],
    )


def test_a_raw_sql_edit_of_one_posting_fails_verification_naming_its_entry():
    busy_ledger()
    victim = JournalEntry.objects.get(number=4)
    assert victim.kind == "refund"
    posting = victim.postings.order_by("id").first()

    tamper(
        "UPDATE fund_posting SET debit_minor = debit_minor + 100, credit_minor = 0 WHERE id = %s",
        [posting.pk],
    )
    with pytest.raises(CommandError, match=r"first bad entry #4"):
        call_command("ledger_verify")

    check = LedgerCheck.objects.get()
    assert check.ok is False
    assert check.first_bad_entry_number == 4
    assert any("entry #4: hash does not match" in p for p in check.problems)


def test_an_edited_memo_breaks_the_chain_at_that_entry():
    busy_ledger()

    tamper("UPDATE fund_journalentry SET memo = 'nothing to see' WHERE number = 2")
    result = ledger_verify()

    assert result.first_bad_entry == 2
    assert [str(p) for p in result.problems] == [
        "[chain] entry #2: hash does not match the entry's content"
    ]


def test_a_rehashed_edit_still_breaks_the_link_to_the_next_entry():
    busy_ledger()
    tamper("UPDATE fund_journalentry SET hash = %s WHERE number = 3", ["f" * 64])

    result = ledger_verify()

    assert result.first_bad_entry == 3
    assert {(p.check, p.entry_number) for p in result.problems} == {("chain", 3), ("chain", 4)}


def test_stored_balances_must_equal_the_postings():
    elevator, _general = busy_ledger()
    AccountBalance.objects.filter(account__fund=elevator, account__code="contributions").update(
        credit_total_minor=1
    )

    result = ledger_verify()

    assert not result.ok
    assert result.first_bad_entry is None
    assert {p.check for p in result.problems} == {"balances", "restricted"}
    with pytest.raises(CommandError, match="FAILED"):
        call_command("ledger_verify", "--no-record")
    assert LedgerCheck.objects.count() == 0


def test_removing_the_last_entries_is_caught_by_the_chain_head_and_the_last_check():
    busy_ledger()
    call_command("ledger_verify")

    last = JournalEntry.objects.get(number=8)
    tamper("DELETE FROM fund_posting WHERE entry_id = %s", [last.pk])
    tamper("DELETE FROM fund_journalentry WHERE id = %s", [last.pk])
    ChainHead.objects.update(last_number=7, last_hash=JournalEntry.objects.get(number=7).hash)
    result = ledger_verify()

    assert [str(p) for p in result.problems if p.check == "chain"] == [
        f"[chain] entry #8: entry #8, verified on {LedgerCheck.objects.get().started_at:%Y-%m-%d},"
        " is missing or changed"
    ]


def test_the_nightly_task_records_its_result():
    busy_ledger()

    outcome = ledger_verify_task.delay().get()

    check = LedgerCheck.objects.get()
    assert outcome == {"check": check.pk, "ok": True, "first_bad_entry": None}
    assert check.trigger == CheckTrigger.NIGHTLY


def test_the_nightly_task_is_scheduled(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["fund-ledger-verify-nightly"]

    assert schedule["task"] == ledger_verify_task.name == "fund.ledger_verify_task"
    assert schedule["schedule"].hour == {2}


def test_fees_borne_unrestricted_verify_but_spending_without_a_release_does_not():
    # Given a restricted fund whose unrestricted net assets bear a refunded gift's fee and a
    # dispute fee (a deficit of 22.00)
    elevator, _general = busy_ledger()
    g = gift(elevator, "200", fee="7")
    gift_refund(gift_entry=g, amount=cny("200"), effective_date=DAY, idempotency_key="re-all")
    processor_fee_record(
        fund=elevator, amount=cny("15"), effective_date=DAY, idempotency_key="dispute-fee"
    )
    assert ledger_verify().problems == []

    # When the release of a subsidy payment is edited away (its credit moved to committed)
    spend = JournalEntry.objects.get(idempotency_key="d")
    release = spend.postings.get(account__code="net_assets_unrestricted")
    committed = elevator.accounts.get(code="committed")
    tamper("UPDATE fund_posting SET account_id = %s WHERE id = %s", [committed.pk, release.pk])
    result = ledger_verify()

    # Then the spending is caught, the fees are not
    assert [str(p) for p in result.problems if p.check == "restricted"] == [
        "[restricted] fund elevator: unrestricted net assets (fees borne aside) is -25000 "
        "(postings)"
    ]
