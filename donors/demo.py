"""Demo data: a public and a targeted campaign with a few dozen gifts, some refunded.

Every settled gift gets its receipt (issued here, before the refunds, so refunded gifts show
a voided receipt and its replacement); one donor declined a receipt, one cash gift is
anonymous, one bank gift carries official fiscal e-receipt numbers, two donors read English,
and the portal's demo donor has this year's annual statement. Receipts are issued without
email (the console backend would print every PDF); their PDFs render after the seed commits.

Online gifts go through the same path as the demo checkout (Stripe-shaped signed events,
the webhook view, the event processor, the ledger postings); offline gifts through
``offline_gift_record``. References are derived from fixed names, so running the seed
again finds everything in place and adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from typing import Any

from django.utils import timezone

from donors.demo_checkout import demo_checkout_events, demo_deliver, demo_invoice, demo_refund_event
from donors.models import (
    Campaign,
    CampaignKind,
    CampaignStatus,
    Donation,
    DonationRefund,
    Donor,
    LeftoverPolicy,
    Organisation,
    PaymentMethod,
    Receipt,
    ReceiptCause,
    ReceiptStatus,
    RecurringGift,
    RefundStatus,
)
from donors.receipts_selectors import receipt_live
from donors.services.campaigns import campaign_prepare
from donors.services.events import stripe_event_process
from donors.services.offline import offline_gift_record
from donors.services.payments import donor_get_or_create
from donors.services.portal import donor_user_ensure
from donors.services.receipt_actions import receipt_decline, receipt_fiscal_record
from donors.services.receipts import receipt_issue, receipt_refresh
from donors.services.statements import annual_statement_issue

NAMESPACE = uuid.UUID("5b0c8f44-2a55-4f0e-9f3e-6c1d2f7a9e10")
DAY = 24 * 60 * 60
ENGLISH_DONORS = ["emily.carter@example.org", "david.lee@example.org"]
FISCAL_DEMO = {"code": "31010126", "number": "0004271899", "check_code": "8f3a2c"}

DONORS = [
    ("陈晓红", "chen.xiaohong@example.cn"),
    ("王建国", "wang.jianguo@example.cn"),
    ("李秀英", "li.xiuying@example.cn"),
    ("张伟", "zhang.wei@example.cn"),
    ("刘洋", "liu.yang@example.cn"),
    ("Emily Carter", "emily.carter@example.org"),
    ("赵敏", "zhao.min@example.cn"),
    ("孙丽", "sun.li@example.cn"),
    ("周杰", "zhou.jie@example.cn"),
    ("David Lee", "david.lee@example.org"),
]


def _ref(name: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, name)


def _fund() -> Any:
    from fund.models import Fund
    from fund.services import fund_create

    existing = Fund.objects.filter(is_restricted=True, is_active=True).order_by("pk").first()
    if existing is not None:
        return existing
    return fund_create(
        code="elevator",
        name_zh="加装电梯定向基金",
        name_en="Elevator retrofit fund",
        is_restricted=True,
    )


def _campaigns(fund: Any) -> tuple[Campaign, Campaign]:
    today = timezone.localdate()
    org, _ = Organisation.objects.get_or_create(pk=1)
    if not org.public_fundraising_qualified:
        org.public_fundraising_qualified = True
        org.qualification_reference = "民慈公募〔2023〕第018号"
        org.qualification_granted_on = dt.date(2023, 6, 1)
        org.save()
    public, _ = Campaign.objects.get_or_create(
        slug="xingfuli-building-7",
        defaults={
            "kind": CampaignKind.PUBLIC,
            "status": CampaignStatus.ACTIVE,
            "title_zh": "幸福里小区7号楼加装电梯",
            "title_en": "A lift for Building 7, Xingfuli estate",
            "story_zh": (
                "7号楼建于1989年，六层无电梯，住着23户老人，其中9户是空巢老人。\n"
                "业主已完成表决，加装电梯总造价约68万元，业主分摊后仍有缺口。"
                "您的每一笔捐赠都将专款专用于本楼及同类加装电梯项目。"
            ),
            "story_en": (
                "Building 7 was built in 1989: six floors, no lift, 23 households of older "
                "people, nine of them living alone.\nThe owners have voted; the lift costs "
                "about ¥680,000 and a gap remains after their share. Every gift is restricted "
                "to this and similar lift projects."
            ),
            "fund": fund,
            "goal_minor": 30_000_000,
            "currency": "CNY",
            "starts_on": today - dt.timedelta(days=60),
            "ends_on": today + dt.timedelta(days=120),
            "plan_filing_reference": "53310000MJ0000000XA26007",
            "plan_filed_on": today - dt.timedelta(days=80),
            "overflow_policy": LeftoverPolicy.NEXT_PROJECT,
            "cancellation_policy": LeftoverPolicy.STAY_IN_FUND,
        },
    )
    targeted = Campaign.objects.filter(slug="board-members-2026").first()
    if targeted is None:
        targeted = campaign_prepare(
            campaign=Campaign(
                slug="board-members-2026",
                kind=CampaignKind.TARGETED,
                status=CampaignStatus.ACTIVE,
                title_zh="理事会成员定向捐赠（2026）",
                title_en="Board members' targeted gifts (2026)",
                story_zh="仅面向本基金会发起人、理事和会员的定向募捐。",
                story_en="Targeted fundraising among the foundation's founders, board and members.",
                fund=fund,
                goal_minor=5_000_000,
                currency="CNY",
                starts_on=today - dt.timedelta(days=45),
                ends_on=today + dt.timedelta(days=200),
                overflow_policy=LeftoverPolicy.STAY_IN_FUND,
                cancellation_policy=LeftoverPolicy.REFUND,
            )
        )
        targeted.save()
    return public, targeted


def _deliver(event: dict[str, Any]) -> None:
    """Through the webhook view (verify, store, enqueue), then processed right away."""
    demo_deliver(event)
    stripe_event_process(event_id=event["id"])


def _online_gift(
    *, name: str, campaign: Campaign, donor: Donor, amount: int, days_ago: int, **choices: Any
) -> Donation:
    donation, _ = Donation.objects.get_or_create(
        reference=_ref(name),
        defaults={
            "campaign": campaign,
            "donor": donor,
            "amount_minor": amount,
            "currency": campaign.currency,
            "data_processing": True,
            "transfer_abroad": True,
            "consented_at": timezone.now(),
            "notice_version": "2026-01",
            **choices,
        },
    )
    if donation.settled_at is None:
        at = int(time.time()) - days_ago * DAY
        for event in demo_checkout_events(donation=donation, at=at):
            _deliver(event)
        donation.refresh_from_db()
    return donation


def _receipt(donation: Donation) -> None:
    receipt_issue(donation_id=donation.pk, deliver=False)


def _refund(donation: Donation, amount: int, by: Any) -> None:
    _receipt(donation)
    if donation.refunds.exists() or donation.settled_at is None:
        return
    refund_id = f"re_demo_{donation.reference.hex[:16]}_1"
    DonationRefund.objects.create(
        donation=donation,
        status=RefundStatus.REQUESTED,
        amount_minor=amount,
        currency=donation.currency,
        stripe_refund_id=refund_id,
        reason="requested_by_customer",
        requested_by=by,
    )
    _deliver(demo_refund_event(donation=donation, refund_id=refund_id, amount_minor=amount))
    receipt_refresh(donation_id=donation.pk, cause=ReceiptCause.REFUND, deliver=False)


def _monthly(*, name: str, campaign: Campaign, donor: Donor, amount: int, months: int) -> None:
    recurring, _ = RecurringGift.objects.get_or_create(
        reference=_ref(name),
        defaults={
            "campaign": campaign,
            "donor": donor,
            "amount_minor": amount,
            "currency": campaign.currency,
            "data_processing": True,
            "transfer_abroad": True,
            "consented_at": timezone.now(),
            "notice_version": "2026-01",
        },
    )
    start = int(time.time()) - months * 30 * DAY
    if not recurring.stripe_subscription_id:
        for event in demo_checkout_events(recurring=recurring, at=start):
            _deliver(event)
        recurring.refresh_from_db()
    for number in range(2, months + 1):
        at = start + (number - 1) * 30 * DAY
        invoice = demo_invoice(recurring=recurring, number=number, at=at)
        if not Donation.objects.filter(stripe_invoice_id=invoice["id"]).exists():
            _deliver(
                {
                    "id": f"evt_demo_{invoice['id']}",
                    "object": "event",
                    "api_version": "2026-10-28.endive",
                    "created": at,
                    "data": {"object": invoice},
                    "livemode": False,
                    "type": "invoice.paid",
                }
            )


def seed(*, users: dict[str, Any]) -> str:
    fund = _fund()
    public, targeted = _campaigns(fund)
    donors = [donor_get_or_create(email=email, name=name) for name, email in DONORS]
    demo_user = users.get("donor")
    own = donor_get_or_create(
        email=(demo_user.email if demo_user else "donor@liftfund.local"), name="周捐赠"
    )
    assert own is not None
    if demo_user is not None and own.user_id is None:
        own.user = demo_user
        own.save(update_fields=["user"])
    elif demo_user is None:
        donor_user_ensure(donor=own)

    Donor.objects.filter(email__in=ENGLISH_DONORS).update(language="en")
    rng = random.Random(20260101)  # noqa: S311 - demo amounts, not security
    amounts = [5000, 10000, 10000, 20000, 20000, 50000, 100000, 8800, 16800, 200000]
    gifts = []
    for i in range(30):
        donor = donors[i % len(donors)]
        assert donor is not None
        campaign = targeted if i % 6 == 5 else public
        gifts.append(
            _online_gift(
                name=f"gift-{i}",
                campaign=campaign,
                donor=donor,
                amount=rng.choice(amounts),
                days_ago=55 - i,
                anonymous=i % 7 == 3,
                cover_fee=i % 4 == 0,
                dedication="纪念我的外婆" if i == 8 else "",
            )
        )
    for i, amount in enumerate([20000, 50000]):
        gifts.append(
            _online_gift(
                name=f"own-gift-{i}",
                campaign=public,
                donor=own,
                amount=amount,
                days_ago=20 - 10 * i,
            )
        )
    for gift in gifts:
        _receipt(gift)
    finance = users.get("finance") or users.get("admin")
    _refund(gifts[2], gifts[2].charged_minor, finance)
    _refund(gifts[9], gifts[9].charged_minor, finance)
    _refund(gifts[14], gifts[14].charged_minor // 2, finance)
    _refund(gifts[21], 3000, finance)
    _monthly(name="monthly-own", campaign=public, donor=own, amount=10000, months=3)
    second = donors[5]
    assert second is not None
    _monthly(name="monthly-1", campaign=public, donor=second, amount=5000, months=2)
    offline = [
        ("offline-bank-1", PaymentMethod.BANK, 500000, "BOC-20260312-7781", "上海某某物业有限公司"),
        ("offline-cash-1", PaymentMethod.CASH, 80000, "现金收据 0042", "7号楼居民集体"),
        ("offline-cheque-1", PaymentMethod.CHEQUE, 300000, "支票 10298831", "某爱心企业"),
        ("offline-cash-anonymous", PaymentMethod.CASH, 20000, "现金收据 0043", ""),
    ]
    for _key, method, amount, reference, donor_name in offline:
        if not Donation.objects.filter(external_reference=reference).exists():
            offline_gift_record(
                campaign=public,
                amount_minor=amount,
                currency=public.currency,
                method=method,
                received_on=timezone.localdate() - dt.timedelta(days=30),
                recorded_by=finance,
                external_reference=reference,
                donor_name=donor_name,
            )
    receipts = _receipts_showcase(gifts=gifts, own=own, finance=finance)
    total = Donation.objects.filter(campaign__in=[public, targeted]).count()
    refunded = DonationRefund.objects.filter(donation__campaign__in=[public, targeted]).count()
    return (
        f"2 campaigns (public /campaigns/{public.slug}/, targeted "
        f"/campaigns/invite/{targeted.invite_token}/), {total} gifts, {refunded} refunds, "
        f"{receipts}"
    )


def _receipts_showcase(*, gifts: list[Donation], own: Donor, finance: Any) -> str:
    """Every gift receipted (monthly instalments and offline gifts too), plus one of each
    decision: declined, anonymous (no receipt), official fiscal numbers, an annual statement."""
    for donation in Donation.objects.filter(settled_at__isnull=False).order_by("pk"):
        _receipt(donation)
    declined = gifts[11]
    live = receipt_live(declined)
    if live is not None and live.status == ReceiptStatus.ISSUED:
        receipt_decline(donation=declined, note="捐赠人来电表示无需收据", recorded_by=finance)
    bank = Donation.objects.filter(external_reference="BOC-20260312-7781").first()
    live = receipt_live(bank) if bank else None
    if live is not None and live.status == ReceiptStatus.ISSUED:
        receipt_fiscal_record(receipt=live, recorded_by=finance, deliver=False, **FISCAL_DEMO)
    annual_statement_issue(donor_id=own.pk, year=timezone.localdate().year, deliver=False)
    issued = Receipt.objects.filter(status=ReceiptStatus.ISSUED).count()
    voided = Receipt.objects.filter(status__in=[ReceiptStatus.VOID, ReceiptStatus.REPLACED]).count()
    not_issued = Receipt.objects.filter(status=ReceiptStatus.NOT_ISSUED).count()
    return f"{issued} valid receipts, {voided} voided, {not_issued} recorded as not issued"
