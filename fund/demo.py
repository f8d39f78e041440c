"""Demo funds and a realistic first half-year of entries, so ``ledger_verify`` and the
reports have something to show from the first run. Idempotent: every entry has a fixed
idempotency key and fixed dates, so a second run posts nothing."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from fund.models import AccountCode, EntryKind, Fund, JournalEntry, PeriodKind, ReceivedVia
from fund.money import Money, money_format
from fund.selectors import fund_balances
from fund.services import (
    Line,
    accounting_period_close,
    commitment_release,
    fund_create,
    fund_transfer,
    funds_commit,
    gift_record,
    gift_refund,
    journal_entry_post,
    journal_entry_reverse,
    payout_record,
    restricted_spend,
)
from fund.services.ledger import fund_accounts

ELEVATOR_PURPOSE_ZH = (
    "资助既有多层住宅加装电梯项目中，符合条件的高龄空巢老人家庭承担的电梯加装分摊费用（专款专用）。"
)
ELEVATOR_PURPOSE_EN = (
    "Subsidies toward the share of lift-retrofit costs borne by eligible elderly empty-nest "
    "households in existing multi-storey housing (restricted to this purpose)."
)


def _cny(yuan: str) -> Money:
    return Money.parse(yuan)


def seed(*, users: Mapping[str, Any]) -> str:
    """Create the elevator and general funds and their demo entries; return a summary.

    >>> seed(users={"finance": finance, "admin": admin})  # doctest: +SKIP
    'funds elevator, general; 23 entries; elevator available ¥122,271.90, committed ¥56,100.00'
    """
    finance = users.get("finance")
    elevator = fund_create(
        code="elevator",
        name_zh="电梯加装专项基金",
        name_en="Elevator retrofit fund",
        purpose_zh=ELEVATOR_PURPOSE_ZH,
        purpose_en=ELEVATOR_PURPOSE_EN,
        is_restricted=True,
    )
    general = fund_create(
        code="general",
        name_zh="非限定性公益基金",
        name_en="General (unrestricted) fund",
        is_restricted=False,
    )
    steps = _steps(elevator, general, finance)
    for step in steps:
        step()
    if finance is not None and finance.has_perm("fund.close_accountingperiod"):
        accounting_period_close(kind=PeriodKind.MONTH, year=2026, month=1, closed_by=finance)
    b = fund_balances(fund=elevator)
    return (
        f"funds elevator, general; {JournalEntry.objects.count()} entries; elevator available "
        f"{money_format(b.available)}, committed {money_format(b.committed)}"
    )


def _steps(elevator: Fund, general: Fund, by: Any) -> list[Callable[[], object]]:
    def gift(
        fund: Fund, key: str, day: date, yuan: str, via: str, fee: str | None, memo: str
    ) -> Callable[[], JournalEntry]:
        return lambda: gift_record(
            fund=fund,
            amount=_cny(yuan),
            fee=_cny(fee) if fee else None,
            received_via=via,
            effective_date=day,
            idempotency_key=key,
            memo=memo,
            created_by=by,
        )

    def payout(fund: Fund, key: str, day: date, yuan: str) -> Callable[[], JournalEntry]:
        return lambda: payout_record(
            fund=fund,
            amount=_cny(yuan),
            effective_date=day,
            idempotency_key=key,
            memo="Stripe 结算到账",
            created_by=by,
        )

    def entry(key: str) -> JournalEntry:
        return JournalEntry.objects.get(idempotency_key=key)

    def opening(fund: Fund, key: str, yuan: str, code: str, memo: str) -> Callable[[], object]:
        def post() -> JournalEntry:
            accounts = fund_accounts(fund)
            return journal_entry_post(
                kind=EntryKind.OPENING,
                effective_date=date(2026, 1, 1),
                memo=memo,
                idempotency_key=key,
                lines=[
                    Line(accounts[AccountCode.BANK], debit=_cny(yuan)),
                    Line(accounts[code], credit=_cny(yuan)),
                ],
                created_by=by,
            )

        return post

    def commit(key: str, yuan: str, memo: str) -> Callable[[], JournalEntry]:
        return lambda: funds_commit(
            fund=elevator,
            amount=_cny(yuan),
            idempotency_key=key,
            effective_date=date(2026, 3, 15),
            memo=memo,
            created_by=by,
        )

    S, B, C, Q = ReceivedVia.STRIPE, ReceivedVia.BANK, ReceivedVia.CASH, ReceivedVia.CHEQUE
    # In date order, so entry numbers follow the calendar.
    return [
        opening(
            elevator,
            "demo:opening:elevator:2026",
            "120000.00",
            AccountCode.NET_ASSETS_RESTRICTED,
            "2025年度限定性结余结转",
        ),
        opening(
            general,
            "demo:opening:general:2026",
            "35000.00",
            AccountCode.NET_ASSETS_UNRESTRICTED,
            "2025年度非限定性结余结转",
        ),
        gift(
            elevator,
            "stripe:pi_demo_0001",
            date(2026, 1, 12),
            "2000.00",
            S,
            "62.35",
            "线上捐赠 — 周先生",
        ),
        gift(
            elevator,
            "bank:demo:20260118",
            date(2026, 1, 18),
            "50000.00",
            B,
            None,
            "定向捐赠 — 示范物业服务有限公司",
        ),
        payout(elevator, "stripe:po_demo_0001", date(2026, 1, 20), "1937.65"),
        gift(
            general,
            "stripe:pi_demo_0002",
            date(2026, 1, 25),
            "800.00",
            S,
            "29.55",
            "线上捐赠（非限定）",
        ),
        payout(general, "stripe:po_demo_0002", date(2026, 1, 28), "770.45"),
        gift(
            elevator,
            "stripe:pi_demo_0003",
            date(2026, 2, 3),
            "500.00",
            S,
            "17.35",
            "线上捐赠 — 月捐",
        ),
        gift(
            elevator,
            "cash:demo:20260214",
            date(2026, 2, 14),
            "1036.50",
            C,
            None,
            "社区募捐箱（两人清点）",
        ),
        gift(
            elevator,
            "cheque:demo:20260301",
            date(2026, 3, 1),
            "20000.00",
            Q,
            None,
            "支票捐赠 — 老街坊联谊会",
        ),
        gift(elevator, "stripe:pi_demo_0004", date(2026, 3, 8), "300.00", S, "12.55", "线上捐赠"),
        lambda: gift_refund(
            gift_entry=entry("stripe:pi_demo_0004"),
            amount=_cny("300.00"),
            effective_date=date(2026, 3, 10),
            idempotency_key="stripe:re_demo_0001",
            memo="捐赠人申请退款（重复支付）",
            created_by=by,
        ),
        commit("award:demo:1", "45000.00", "资助决定：3号楼2单元 王奶奶家 分摊款"),
        commit("award:demo:2", "38000.00", "资助决定：7号楼1单元 李爷爷家 分摊款"),
        gift(
            elevator,
            "stripe:pi_demo_0005",
            date(2026, 3, 20),
            "5000.00",
            S,
            "172.35",
            "线上捐赠 — 陈女士",
        ),
        payout(elevator, "stripe:po_demo_0003", date(2026, 3, 22), "297.75"),
        lambda: restricted_spend(
            fund=elevator,
            amount=_cny("13500.00"),
            purpose_memo="补贴支付：3号楼2单元 王奶奶家 首期30%（签约），付施工单位",
            from_commitment=True,
            effective_date=date(2026, 3, 28),
            idempotency_key="disbursement:demo:1",
            created_by=by,
        ),
        lambda: gift_refund(
            gift_entry=entry("stripe:pi_demo_0005"),
            amount=_cny("5000.00"),
            kind=EntryKind.DISPUTE_WITHDRAWAL,
            effective_date=date(2026, 4, 2),
            idempotency_key="stripe:dp_demo_0001",
            memo="持卡人争议，Stripe 暂扣",
            created_by=by,
        ),
        lambda: restricted_spend(
            fund=elevator,
            amount=_cny("11400.00"),
            purpose_memo="补贴支付：7号楼1单元 李爷爷家 首期30%（签约），付施工单位",
            from_commitment=True,
            effective_date=date(2026, 4, 10),
            idempotency_key="disbursement:demo:2",
            created_by=by,
        ),
        lambda: journal_entry_reverse(
            entry=entry("stripe:dp_demo_0001"),
            idempotency_key="stripe:dp_demo_0001:won",
            effective_date=date(2026, 4, 20),
            memo="争议胜诉，款项退回",
            created_by=by,
        ),
        lambda: commitment_release(
            fund=elevator,
            amount=_cny("2000.00"),
            idempotency_key="award:demo:2:reduced",
            effective_date=date(2026, 5, 6),
            memo="7号楼1单元 分摊方案调整后资助额减少",
            created_by=by,
        ),
        payout(elevator, "stripe:po_demo_0004", date(2026, 5, 10), "5000.00"),
        lambda: fund_transfer(
            source=general,
            target=elevator,
            amount=_cny("5000.00"),
            basis_kind="donor_consent",
            basis_reference="捐赠人同意书 DC-2026-003",
            effective_date=date(2026, 5, 18),
            idempotency_key="transfer:demo:1",
            memo="非限定捐赠经捐赠人同意转入电梯专项",
            created_by=by,
        ),
    ]
