"""Funds and their double-entry ledger.

Design overview
===============

Every fund owns a small chart of accounts, the same nine accounts for every fund (numbers
follow the 民间非营利组织会计制度 chart). Each account belongs to one *class* of net assets,
so every report below is a sum of a handful of accounts:

====================  ======  ================================  =========  ====================
code                  number  meaning                           side       class
====================  ======  ================================  =========  ====================
CASH                  1001    cash on hand                      debit      (asset)
BANK                  1002    bank deposits                     debit      (asset)
STRIPE_CLEARING       1012    money Stripe holds for us         debit      (asset)
NET_ASSETS_UNRESTR.   3101    net assets without restriction    credit     unrestricted
NET_ASSETS_RESTR.     3102    net assets with restriction,      credit     restricted
                              not committed
COMMITTED             310201  restricted money reserved for     credit     fund's class
                              approved awards
CONTRIBUTIONS         4101    contribution revenue              credit     fund's class
PROGRAMME_EXPENSE     5101    subsidies paid (业务活动成本)     debit      unrestricted
PROCESSOR_FEES        5301    payment processing fees           debit      unrestricted
====================  ======  ================================  =========  ====================

"Fund's class" is *restricted* for a restricted fund and *unrestricted* for the general
fund. Expenses are always unrestricted: restricted money is spent by first releasing it
from restriction (Dr 3102 or 310201 / Cr 3101) in the same entry as the expense, as
DOMAIN §9 asks. Revenue and expense accounts are never closed into net assets; closing a
period only locks it, so every balance below is a plain sum and survives year ends.

With credit balances counted positive:

- **available** (restricted money not yet committed or spent) = 4101 + 3102 for a
  restricted fund; for an unrestricted fund every unrestricted account except 310201;
- **committed** = 310201;
- **net assets with restriction** = the restricted-class accounts (4101, 3102, 310201 of
  restricted funds); **without restriction** = the unrestricted-class accounts;
- **trial balance**: the sum of all debit balances equals the sum of all credit balances,
  per currency, because every entry balances (per currency and per fund).

Invariants enforced by ``fund.services`` on every entry, with the balance rows it touches
locked in account order: no fund's available or committed balance goes below zero
(``InsufficientFunds``); a restricted fund's unrestricted net assets never go below zero,
i.e. nothing is spent from it without a release (``RestrictionViolation``); its net-asset
accounts only shrink in a transfer with a recorded basis or a reversal.

Processor fees are the one cost a restricted fund's unrestricted net assets may go below
zero for. A gift's kept fee is released from the gift's own money; when money of the gift
goes back to the donor (refund, dispute withdrawal), the fund gives back only what it
holds of that gift, and the fee share of the money given back, less any fee the processor
returns, is moved back into restriction (Dr 3101 / Cr 3102): with gift G, fee F, refunds R
and returned fees FR, the fee released stays ``S = (F - FR) * (G - R) // G``, so a gift
given back in full leaves exactly nothing in restriction (``fund.services.gift_fees``).
A bare fee, such as a dispute fee, is not released at all (``processor_fee_record``). Both
leave a deficit in the fund's unrestricted net assets, which the organisation's general
funds cover: they are borne by unrestricted net assets, never by other donors' restricted
money. Entry kinds REFUND, DISPUTE_WITHDRAWAL and PROCESSOR_FEE (and their reversals) are
the only ones exempt from the unrestricted >= 0 check, and only their own services post
them; ``ledger_verify`` checks the restricted fund's unrestricted net assets without them.

Example entries for the restricted elevator fund (amounts in CNY)::

    Gift of 1,000.00 by card, Stripe keeps a 6.00 fee (one entry, kind GIFT)
        Dr 1012 Stripe clearing          994.00
        Dr 5301 Processor fees             6.00
            Cr 4101 Contributions                 1,000.00
        Dr 3102 Restricted net assets      6.00       (the fee consumed restricted money:
            Cr 3101 Unrestricted net assets   6.00   release it, so the fund stays whole)
        -> available 994.00, committed 0, unrestricted 6.00 - 6.00 = 0

    Refund of 200.00 of that gift; Stripe keeps the fee (kind REFUND, refers to the gift)
        Dr 4101 Contributions            200.00
            Cr 1012 Stripe clearing                 200.00
        Dr 3101 Unrestricted net assets    1.20       (the fee of the 800.00 left is
            Cr 3102 Restricted net assets     1.20   6.00 * 800 / 1000 = 4.80; the 1.20
                                                     of the 200.00 given back is borne
                                                     by unrestricted net assets)
        -> available 795.20 = 800.00 - 4.80, unrestricted -1.20

    Dispute fee of 15.00 taken by Stripe (kind PROCESSOR_FEE)
        Dr 5301 Processor fees            15.00
            Cr 1012 Stripe clearing                  15.00
        -> available 795.20, unrestricted -16.20

    Payout: Stripe pays the 779.00 it holds to the bank (kind PAYOUT)
        Dr 1002 Bank                     779.00
            Cr 1012 Stripe clearing                 779.00

    Award approved for 500.00 (kind COMMITMENT)
        Dr 3102 Restricted net assets    500.00
            Cr 310201 Committed                     500.00
        -> available 295.20, committed 500.00

    Subsidy of 300.00 paid to the contractor from that commitment (kind SUBSIDY_PAYMENT)
        Dr 5101 Programme expense        300.00
            Cr 1002 Bank                            300.00
        Dr 310201 Committed              300.00       (release from restriction,
            Cr 3101 Unrestricted net assets 300.00    together with the expense)
        -> available 295.20, committed 200.00, unrestricted -16.20,
           bank 479.00 = 295.20 + 200.00 - 16.20

    The rest of the award is cancelled (kind COMMITMENT_RELEASE)
        Dr 310201 Committed              200.00
            Cr 3102 Restricted net assets           200.00
        -> available 495.20, committed 0

Rows of ``JournalEntry`` and ``Posting`` are written only by ``fund.services`` and never
changed: database triggers reject UPDATE and DELETE (PostgreSQL and SQLite), a deferred
PostgreSQL constraint trigger rejects an entry whose postings do not balance per currency,
and each entry stores the SHA-256 of its canonical content chained to the previous entry's
hash (see ``fund.chain``). Corrections are reversing entries.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AccountType(models.TextChoices):
    ASSET = "asset", _("Asset")
    NET_ASSETS = "net_assets", _("Net assets")
    REVENUE = "revenue", _("Revenue")
    EXPENSE = "expense", _("Expense")


class NetAssetClass(models.TextChoices):
    NONE = "", _("Not net assets")
    RESTRICTED = "restricted", _("With donor restriction")
    UNRESTRICTED = "unrestricted", _("Without donor restriction")


class AccountCode(models.TextChoices):
    CASH = "cash", _("Cash on hand")
    BANK = "bank", _("Bank deposits")
    STRIPE_CLEARING = "stripe_clearing", _("Stripe clearing")
    NET_ASSETS_UNRESTRICTED = "net_assets_unrestricted", _("Net assets without restriction")
    NET_ASSETS_RESTRICTED = "net_assets_restricted", _("Net assets with restriction")
    COMMITTED = "committed", _("Committed to approved awards")
    CONTRIBUTIONS = "contributions", _("Contribution revenue")
    PROGRAMME_EXPENSE = "programme_expense", _("Programme expense (subsidies)")
    PROCESSOR_FEES = "processor_fees", _("Payment processing fees")


# The fund's own class: restricted for a restricted fund, unrestricted otherwise.
FUND_CLASS = "fund"

# code -> (account number, type, net-asset class). One chart for every fund.
CHART: dict[str, tuple[str, str, str]] = {
    AccountCode.CASH: ("1001", AccountType.ASSET, NetAssetClass.NONE),
    AccountCode.BANK: ("1002", AccountType.ASSET, NetAssetClass.NONE),
    AccountCode.STRIPE_CLEARING: ("1012", AccountType.ASSET, NetAssetClass.NONE),
    AccountCode.NET_ASSETS_UNRESTRICTED: (
        "3101",
        AccountType.NET_ASSETS,
        NetAssetClass.UNRESTRICTED,
    ),
    AccountCode.NET_ASSETS_RESTRICTED: ("3102", AccountType.NET_ASSETS, NetAssetClass.RESTRICTED),
    AccountCode.COMMITTED: ("310201", AccountType.NET_ASSETS, FUND_CLASS),
    AccountCode.CONTRIBUTIONS: ("4101", AccountType.REVENUE, FUND_CLASS),
    AccountCode.PROGRAMME_EXPENSE: ("5101", AccountType.EXPENSE, NetAssetClass.UNRESTRICTED),
    AccountCode.PROCESSOR_FEES: ("5301", AccountType.EXPENSE, NetAssetClass.UNRESTRICTED),
}

DEBIT_NORMAL_TYPES = frozenset({AccountType.ASSET, AccountType.EXPENSE})


class EntryKind(models.TextChoices):
    OPENING = "opening", _("Opening balance")
    GIFT = "gift", _("Gift")
    REFUND = "refund", _("Refund")
    DISPUTE_WITHDRAWAL = "dispute_withdrawal", _("Dispute withdrawal")
    PROCESSOR_FEE = "processor_fee", _("Processor fee")
    PAYOUT = "payout", _("Payout")
    COMMITMENT = "commitment", _("Commitment")
    COMMITMENT_RELEASE = "commitment_release", _("Commitment release")
    SUBSIDY_PAYMENT = "subsidy_payment", _("Subsidy payment")
    TRANSFER = "transfer", _("Transfer between funds")
    REVERSAL = "reversal", _("Reversal")
    ADJUSTMENT = "adjustment", _("Adjustment")


class ReceivedVia(models.TextChoices):
    """How a gift arrived; chooses the asset account it is debited to."""

    STRIPE = "stripe", _("Stripe")
    BANK = "bank", _("Bank transfer")
    CASH = "cash", _("Cash")
    CHEQUE = "cheque", _("Cheque")


class TransferBasis(models.TextChoices):
    """Why restricted money may change purpose (Charity Law art. 56)."""

    DONOR_CONSENT = "donor_consent", _("Donor consent")
    FILED_PLAN_CHANGE = "filed_plan_change", _("Filed plan change")


class Fund(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    purpose_zh = models.TextField(_("purpose of the restriction (Chinese)"), blank=True)
    purpose_en = models.TextField(_("purpose of the restriction (English)"), blank=True)
    is_restricted = models.BooleanField(_("restricted"))
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("fund")
        verbose_name_plural = _("funds")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"

    @property
    def net_asset_class(self) -> str:
        return NetAssetClass.RESTRICTED if self.is_restricted else NetAssetClass.UNRESTRICTED


class LedgerAccount(models.Model):
    fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("fund")
    )
    code = models.CharField(_("code"), max_length=40, choices=AccountCode.choices)
    number = models.CharField(_("number"), max_length=10)
    account_type = models.CharField(_("type"), max_length=20, choices=AccountType.choices)
    net_asset_class = models.CharField(
        _("net asset class"), max_length=20, choices=NetAssetClass.choices, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3)

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        ordering = ["fund__code", "number"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "code"], name="fund_account_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.fund.code} {self.number} {self.get_code_display()}"

    @property
    def is_debit_normal(self) -> bool:
        return self.account_type in DEBIT_NORMAL_TYPES


class AccountBalance(models.Model):
    """Running totals of one account, updated in the posting transaction under a row lock.

    Balance reads are one row each, whatever the number of postings; ``ledger_verify``
    proves the totals equal the sums of the postings.
    """

    account = models.OneToOneField(
        LedgerAccount,
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="balance",
        verbose_name=_("account"),
    )
    debit_total_minor = models.BigIntegerField(_("debits"), default=0)
    credit_total_minor = models.BigIntegerField(_("credits"), default=0)

    class Meta:
        verbose_name = _("account balance")
        verbose_name_plural = _("account balances")
        constraints = [
            models.CheckConstraint(
                condition=Q(debit_total_minor__gte=0) & Q(credit_total_minor__gte=0),
                name="fund_balance_totals_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account}: {self.debit_total_minor} / {self.credit_total_minor}"


class JournalEntry(models.Model):
    number = models.PositiveBigIntegerField(_("number"), unique=True)
    effective_date = models.DateField(_("effective date"), db_index=True)
    kind = models.CharField(_("kind"), max_length=30, choices=EntryKind.choices, db_index=True)
    memo = models.TextField(_("memo"), blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    # SHA-256 of the service call that made the entry: a retry with the same key must ask
    # for the same thing, otherwise it is a conflict, not a retry.
    request_hash = models.CharField(_("request fingerprint"), max_length=64)
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("reverses"),
    )
    refers_to = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("refers to"),
        help_text=_("For a refund or dispute withdrawal: the gift it takes back."),
    )
    basis_kind = models.CharField(
        _("basis of the purpose change"), max_length=30, choices=TransferBasis.choices, blank=True
    )
    basis_reference = models.CharField(_("basis reference"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"))
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        ordering = ["number"]
        indexes = [models.Index(fields=["effective_date", "number"], name="fund_entry_date_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(number__gt=0), name="fund_entry_number_positive"),
            models.CheckConstraint(
                condition=(Q(kind=EntryKind.REVERSAL) & Q(reverses__isnull=False))
                | (~Q(kind=EntryKind.REVERSAL) & Q(reverses__isnull=True)),
                name="fund_entry_reversal_names_its_original",
            ),
            models.CheckConstraint(
                condition=~Q(kind=EntryKind.TRANSFER)
                | (Q(basis_kind__in=TransferBasis.values) & ~Q(basis_reference="")),
                name="fund_entry_transfer_has_basis",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.effective_date} {self.get_kind_display()}"


class Posting(models.Model):
    entry = models.ForeignKey(
        JournalEntry, on_delete=models.PROTECT, related_name="postings", verbose_name=_("entry")
    )
    account = models.ForeignKey(
        LedgerAccount, on_delete=models.PROTECT, related_name="postings", verbose_name=_("account")
    )
    debit_minor = models.BigIntegerField(_("debit"), default=0)
    credit_minor = models.BigIntegerField(_("credit"), default=0)
    currency = models.CharField(_("currency"), max_length=3)

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        ordering = ["entry_id", "id"]
        indexes = [models.Index(fields=["account", "entry"], name="fund_posting_account_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(debit_minor__gt=0) & Q(credit_minor=0))
                | (Q(debit_minor=0) & Q(credit_minor__gt=0)),
                name="fund_posting_debit_xor_credit_positive",
            ),
        ]

    def __str__(self) -> str:
        side = f"Dr {self.debit_minor}" if self.debit_minor else f"Cr {self.credit_minor}"
        return f"{self.account} {side} {self.currency}"


class ChainHead(models.Model):
    """The end of the hash chain. One row; locking it orders entries into the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_number = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("chain head")
        verbose_name_plural = _("chain head")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="fund_chain_head_single")]

    def __str__(self) -> str:
        return f"#{self.last_number} {self.last_hash[:12]}"


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")


class AccountingPeriod(models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=PeriodKind.choices)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    is_closed = models.BooleanField(_("closed"), default=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )

    class Meta:
        verbose_name = _("accounting period")
        verbose_name_plural = _("accounting periods")
        ordering = ["-start", "kind"]
        permissions = [
            ("close_accountingperiod", _("Can close accounting periods")),
            ("reopen_accountingperiod", _("Can reopen closed accounting periods")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["kind", "start"], name="fund_period_unique"),
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")), name="fund_period_order"
            ),
        ]

    def __str__(self) -> str:
        if self.kind == PeriodKind.YEAR:
            return f"{self.start.year}"
        return f"{self.start.year}-{self.start.month:02d}"


class PeriodAction(models.TextChoices):
    CLOSE = "close", _("Closed")
    REOPEN = "reopen", _("Reopened")


class PeriodEvent(models.Model):
    """Who closed or reopened a period, when, and (for a reopening) why."""

    period = models.ForeignKey(
        AccountingPeriod, on_delete=models.PROTECT, related_name="events", verbose_name=_("period")
    )
    action = models.CharField(_("action"), max_length=10, choices=PeriodAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"))
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("period event")
        verbose_name_plural = _("period events")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.period} {self.get_action_display()}"


class CheckTrigger(models.TextChoices):
    MANUAL = "manual", _("Command")
    NIGHTLY = "nightly", _("Nightly task")


class LedgerCheck(models.Model):
    """The outcome of one ``ledger_verify`` run; the last good one anchors the chain."""

    trigger = models.CharField(_("started by"), max_length=10, choices=CheckTrigger.choices)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    ok = models.BooleanField(_("passed"))
    entries_checked = models.PositiveBigIntegerField(_("entries checked"), default=0)
    last_number = models.PositiveBigIntegerField(_("last entry number"), default=0)
    last_hash = models.CharField(_("last hash"), max_length=64, default=GENESIS_HASH)
    first_bad_entry_number = models.PositiveBigIntegerField(
        _("first bad entry"), null=True, blank=True
    )
    problems: models.JSONField[Any, Any] = models.JSONField(_("problems"), default=list)

    class Meta:
        verbose_name = _("ledger check")
        verbose_name_plural = _("ledger checks")
        ordering = ["-started_at", "-id"]
        get_latest_by = "started_at"

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {'ok' if self.ok else 'FAILED'}"
