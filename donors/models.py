"""Donors, campaigns, donations, Stripe events and reconciliation.

Design overview
---------------
* A ``Campaign`` feeds exactly one restricted ``fund.Fund``. Public campaigns need the
  organisation's public-fundraising qualification (``Organisation``) and a filed plan whose
  reference is shown on the page; targeted campaigns are reachable only by their invite token.
* A ``Donation`` is one money movement into a fund: a one-off online gift, one monthly
  instalment (one per paid Stripe invoice) or an offline gift recorded by staff. It keeps the
  original currency and amount the donor chose and, once settled, the settled amount and fee
  from Stripe's balance transaction and the ledger entry (``journal_entry``) posted for it.
  Stripe ids are unique per donation, so redelivered or reordered events cannot make a second
  donation for the same payment.
* Money leaving again is a ``DonationRefund`` (full or partial) or a ``Dispute``; each posts its
  own reversing ledger entry, keyed by the Stripe id.
* ``StripeEvent`` stores every verified webhook once (unique Stripe id) with its processing
  status, attempts and last error; processing happens after commit in a Celery task.
* Reconciliation pulls balance transactions and payouts from Stripe and records what it could
  not match as ``ReconciliationException`` rows for finance staff.

Nothing financial is deleted: admin refuses deletes; corrections are new rows.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from donors.validators import validate_cover_image


def _localised(obj: Any, field: str) -> str:
    """The ``<field>_en`` value in English, ``<field>_zh`` otherwise (falling back if empty)."""
    zh, en = getattr(obj, f"{field}_zh"), getattr(obj, f"{field}_en")
    if (get_language() or "").startswith("en"):
        return str(en or zh)
    return str(zh or en)


class Organisation(models.Model):
    """The foundation's fundraising credentials and giving defaults. One row (pk=1)."""

    name_zh = models.CharField(_("name (Chinese)"), max_length=200, default="示范社区基金会")
    name_en = models.CharField(
        _("name (English)"), max_length=200, default="Demo Community Foundation"
    )
    public_fundraising_qualified = models.BooleanField(
        _("holds the public-fundraising qualification"), default=False
    )
    qualification_reference = models.CharField(
        _("public-fundraising qualification certificate number"), max_length=100, blank=True
    )
    qualification_granted_on = models.DateField(
        _("qualification granted on"), null=True, blank=True
    )
    fee_rate_basis_points = models.PositiveIntegerField(
        _("processing fee rate (basis points)"),
        default=340,
        validators=[MaxValueValidator(2000)],
        help_text=_("Used to estimate the fee a donor may choose to cover; 340 = 3.4%."),
    )
    fee_fixed_minor = models.PositiveIntegerField(
        _("processing fee, fixed part (minor units)"), default=0
    )
    min_gift_minor = models.PositiveIntegerField(
        _("smallest online gift (minor units)"), default=500, validators=[MinValueValidator(1)]
    )
    max_gift_minor = models.PositiveBigIntegerField(
        _("largest online gift (minor units)"), default=100_000_000
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("organisation settings")
        verbose_name_plural = _("organisation settings")

    def __str__(self) -> str:
        return _localised(self, "name")

    @property
    def name(self) -> str:
        return _localised(self, "name")


class CampaignKind(models.TextChoices):
    PUBLIC = "public", _("Public (listed, online)")
    TARGETED = "targeted", _("Targeted (invite only)")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Open for gifts")
    PAUSED = "paused", _("Paused")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class LeftoverPolicy(models.TextChoices):
    STAY_IN_FUND = "stay_in_fund", _("Stays in the fund for similar lift projects")
    NEXT_PROJECT = "next_project", _("Goes to the next lift project of the fund")
    REFUND = "refund", _("Is refunded to donors on request")


def _default_presets() -> list[int]:
    return [5000, 10000, 20000, 50000]


class Campaign(models.Model):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=CampaignKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    story_zh = models.TextField(_("story (Chinese)"), blank=True)
    story_en = models.TextField(_("story (English)"), blank=True)
    fund = models.ForeignKey(
        "fund.Fund", on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("fund")
    )
    goal_minor = models.BigIntegerField(_("goal (minor units)"), validators=[MinValueValidator(1)])
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    preset_amounts_minor = models.JSONField(
        _("preset amounts (minor units)"), default=_default_presets, blank=True
    )
    allow_monthly = models.BooleanField(_("monthly gifts allowed"), default=True)
    plan_filing_reference = models.CharField(
        _("fundraising plan filing reference"), max_length=100, blank=True
    )
    plan_filed_on = models.DateField(_("plan filed on"), null=True, blank=True)
    overflow_policy = models.CharField(
        _("money beyond the goal"),
        max_length=20,
        choices=LeftoverPolicy.choices,
        default=LeftoverPolicy.STAY_IN_FUND,
    )
    cancellation_policy = models.CharField(
        _("if the project is cancelled"),
        max_length=20,
        choices=LeftoverPolicy.choices,
        default=LeftoverPolicy.STAY_IN_FUND,
    )
    cover_image = models.ImageField(
        _("cover image"),
        upload_to="campaigns/",
        blank=True,
        validators=[validate_cover_image],
    )
    invite_token = models.CharField(
        _("invite token"), max_length=64, unique=True, null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="campaign_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(kind="public") | ~Q(plan_filing_reference=""),
                name="campaign_public_has_filing_reference",
            ),
            models.CheckConstraint(
                condition=~Q(kind="targeted") | Q(invite_token__isnull=False),
                name="campaign_targeted_has_invite_token",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return _localised(self, "title")

    @property
    def story(self) -> str:
        return _localised(self, "story")


class Donor(models.Model):
    email = models.EmailField(_("email"), unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="donor",
        verbose_name=_("portal user"),
    )
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    stripe_customer_id = models.CharField(_("Stripe customer"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("donor")
        verbose_name_plural = _("donors")
        ordering = ["email"]

    def __str__(self) -> str:
        # Masked, because object names appear in titles and logs that auditors also see.
        return f"#{self.pk} {mask_email(self.email)}"


def mask_email(email: str) -> str:
    """``chen.xiaohong@example.cn`` -> ``c***@example.cn``."""
    name, _sep, domain = email.partition("@")
    return f"{name[:1]}***@{domain}" if domain else "***"


class Consent(models.Model):
    """What the donor agreed to when giving (PIPL): kept with the gift, never edited."""

    data_processing = models.BooleanField(_("consented to data processing"), default=False)
    transfer_abroad = models.BooleanField(
        _("consented to transfer to the payment processor abroad"), default=False
    )
    consented_at = models.DateTimeField(_("consented at"), null=True, blank=True)
    notice_version = models.CharField(_("privacy notice version"), max_length=20, blank=True)

    class Meta:
        abstract = True


class GiftChoices(Consent):
    """What the donor chose on the form, shared by one-off gifts and monthly gifts."""

    anonymous = models.BooleanField(_("anonymous"), default=False)
    dedication = models.CharField(_("dedication"), max_length=200, blank=True)
    cover_fee = models.BooleanField(_("donor covers the processing fee"), default=False)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")

    class Meta:
        abstract = True


class RecurringStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting checkout")
    ACTIVE = "active", _("Active")
    CANCELLED = "cancelled", _("Cancelled")


class RecurringGift(GiftChoices):
    """A monthly gift (a Stripe subscription). Each paid invoice becomes a Donation."""

    reference = models.UUIDField(_("reference"), default=uuid.uuid4, unique=True, editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="recurring_gifts")
    donor = models.ForeignKey(
        Donor, on_delete=models.PROTECT, related_name="recurring_gifts", null=True, blank=True
    )
    amount_minor = models.BigIntegerField(_("monthly amount (minor units)"))
    fee_covered_minor = models.BigIntegerField(_("fee covered by donor (minor units)"), default=0)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RecurringStatus.choices,
        default=RecurringStatus.PENDING,
    )
    stripe_checkout_session_id = models.CharField(max_length=255, blank=True)
    stripe_subscription_id = models.CharField(_("Stripe subscription"), max_length=255, blank=True)
    stripe_customer_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("monthly gift")
        verbose_name_plural = _("monthly gifts")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["stripe_subscription_id"],
                condition=~Q(stripe_subscription_id=""),
                name="recurring_unique_subscription",
            ),
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="recurring_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} / {self.reference}"


class DonationKind(models.TextChoices):
    ONE_OFF = "one_off", _("One-off")
    MONTHLY = "monthly", _("Monthly instalment")


class PaymentMethod(models.TextChoices):
    STRIPE = "stripe", _("Online (Stripe)")
    BANK = "bank", _("Bank transfer")
    CASH = "cash", _("Cash")
    CHEQUE = "cheque", _("Cheque")


OFFLINE_METHODS = (PaymentMethod.BANK, PaymentMethod.CASH, PaymentMethod.CHEQUE)


class DonationStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting payment")
    SETTLED = "settled", _("Settled")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partly refunded")
    REFUNDED = "refunded", _("Refunded")
    DISPUTED = "disputed", _("Disputed")
    EXPIRED = "expired", _("Checkout abandoned")


class Donation(GiftChoices):
    reference = models.UUIDField(_("reference"), default=uuid.uuid4, unique=True, editable=False)
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="donations", verbose_name=_("campaign")
    )
    donor = models.ForeignKey(
        Donor,
        on_delete=models.PROTECT,
        related_name="donations",
        null=True,
        blank=True,
        verbose_name=_("donor"),
    )
    donor_name = models.CharField(_("donor name as given"), max_length=200, blank=True)
    kind = models.CharField(
        _("kind"), max_length=10, choices=DonationKind.choices, default=DonationKind.ONE_OFF
    )
    recurring = models.ForeignKey(
        RecurringGift,
        on_delete=models.PROTECT,
        related_name="instalments",
        null=True,
        blank=True,
        verbose_name=_("monthly gift"),
    )
    method = models.CharField(
        _("paid by"), max_length=10, choices=PaymentMethod.choices, default=PaymentMethod.STRIPE
    )
    status = models.CharField(
        _("status"), max_length=20, choices=DonationStatus.choices, default=DonationStatus.PENDING
    )
    # What the donor gave, in the currency they gave it in.
    amount_minor = models.BigIntegerField(_("gift (minor units)"))
    fee_covered_minor = models.BigIntegerField(_("fee covered by donor (minor units)"), default=0)
    currency = models.CharField(_("currency"), max_length=3)
    # What reached the organisation, from Stripe's balance transaction (or the offline amount).
    settled_amount_minor = models.BigIntegerField(_("settled (minor units)"), null=True, blank=True)
    settled_fee_minor = models.BigIntegerField(_("processor fee (minor units)"), default=0)
    settled_currency = models.CharField(_("settled currency"), max_length=3, blank=True)
    refunded_minor = models.BigIntegerField(
        _("refunded, settled currency (minor units)"), default=0
    )
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    stripe_checkout_session_id = models.CharField(max_length=255, blank=True)
    stripe_payment_intent_id = models.CharField(
        _("Stripe payment intent"), max_length=255, blank=True
    )
    stripe_charge_id = models.CharField(_("Stripe charge"), max_length=255, blank=True)
    stripe_invoice_id = models.CharField(_("Stripe invoice"), max_length=255, blank=True)
    stripe_balance_transaction_id = models.CharField(max_length=255, blank=True)
    external_reference = models.CharField(
        _("bank, cash or cheque reference"), max_length=200, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    journal_entry = models.OneToOneField(
        "fund.JournalEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="donation",
        verbose_name=_("ledger entry"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["stripe_payment_intent_id"],
                condition=~Q(stripe_payment_intent_id=""),
                name="donation_unique_payment_intent",
            ),
            models.UniqueConstraint(
                fields=["stripe_charge_id"],
                condition=~Q(stripe_charge_id=""),
                name="donation_unique_charge",
            ),
            models.UniqueConstraint(
                fields=["stripe_invoice_id"],
                condition=~Q(stripe_invoice_id=""),
                name="donation_unique_invoice",
            ),
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="donation_positive"),
            models.CheckConstraint(
                condition=Q(refunded_minor__gte=0), name="donation_refunded_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["campaign", "status"])]

    def __str__(self) -> str:
        return f"{self.campaign.slug} {self.amount_minor} {self.currency} ({self.reference})"

    @property
    def charged_minor(self) -> int:
        """The amount charged in the donor's currency: the gift plus any fee they covered."""
        return self.amount_minor + self.fee_covered_minor

    @property
    def is_settled(self) -> bool:
        return self.settled_at is not None


class RefundStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested from Stripe")
    SUCCEEDED = "succeeded", _("Refunded")


class DonationRefund(models.Model):
    donation = models.ForeignKey(Donation, on_delete=models.PROTECT, related_name="refunds")
    status = models.CharField(max_length=10, choices=RefundStatus.choices)
    amount_minor = models.BigIntegerField(_("amount, donor's currency (minor units)"))
    currency = models.CharField(max_length=3)
    settled_amount_minor = models.BigIntegerField(
        _("amount, settled currency (minor units)"), null=True, blank=True
    )
    stripe_refund_id = models.CharField(_("Stripe refund"), max_length=255, blank=True)
    # Without a refund id (charge.refunded without its refund list) the cumulative refunded
    # total of the charge identifies the movement.
    cumulative_refunded_minor = models.BigIntegerField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    journal_entry = models.OneToOneField(
        "fund.JournalEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="donation_refund",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["stripe_refund_id"],
                condition=~Q(stripe_refund_id=""),
                name="refund_unique_stripe_id",
            ),
            models.UniqueConstraint(
                fields=["donation", "cumulative_refunded_minor"],
                condition=Q(cumulative_refunded_minor__isnull=False),
                name="refund_unique_cumulative_level",
            ),
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="refund_positive"),
        ]

    def __str__(self) -> str:
        return self.stripe_refund_id or f"refund {self.pk}"


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    CLOSED = "closed", _("Closed without withdrawal")


class Dispute(models.Model):
    donation = models.ForeignKey(Donation, on_delete=models.PROTECT, related_name="disputes")
    stripe_dispute_id = models.CharField(_("Stripe dispute"), max_length=255, unique=True)
    status = models.CharField(max_length=10, choices=DisputeStatus.choices)
    reason = models.CharField(max_length=100, blank=True)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    withdrawn_minor = models.BigIntegerField(
        _("withdrawn, settled currency (minor units)"), default=0
    )
    # Stripe's dispute fee, net of what Stripe gave back. Posted as a processor fee borne by
    # unrestricted net assets (fee_entry); a fee given back reverses it (fee_return_entry).
    fee_minor = models.BigIntegerField(_("dispute fee, settled currency (minor units)"), default=0)
    fee_entry = models.OneToOneField(
        "fund.JournalEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dispute_fee",
    )
    fee_return_entry = models.OneToOneField(
        "fund.JournalEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dispute_fee_return",
    )
    withdrawal_entry = models.OneToOneField(
        "fund.JournalEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dispute_withdrawal",
    )
    reinstatement_entry = models.OneToOneField(
        "fund.JournalEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dispute_reinstatement",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.stripe_dispute_id


class EventStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Acknowledged, nothing to do")
    DEFERRED = "deferred", _("Waiting for an earlier event")
    FAILED = "failed", _("Failed")


class StripeEvent(models.Model):
    stripe_id = models.CharField(_("Stripe event"), max_length=255, unique=True)
    type = models.CharField(_("type"), max_length=100, db_index=True)
    livemode = models.BooleanField(default=False)
    api_version = models.CharField(max_length=50, blank=True)
    stripe_created = models.DateTimeField(_("created at Stripe"), null=True, blank=True)
    payload = models.JSONField()
    status = models.CharField(
        _("status"), max_length=10, choices=EventStatus.choices, default=EventStatus.RECEIVED
    )
    # Database defaults too (and received_at below): the webhook's INSERT names only the
    # columns it has values for.
    attempts = models.PositiveIntegerField(_("attempts"), default=0, db_default=0)
    last_error = models.TextField(_("last error"), blank=True, db_default="")
    note = models.CharField(_("note"), max_length=300, blank=True, db_default="")
    waiting_for = models.CharField(
        _("waiting for"), max_length=255, blank=True, db_index=True, db_default=""
    )
    received_at = models.DateTimeField(_("received at"), auto_now_add=True, db_default=Now())
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self) -> str:
        return f"{self.stripe_id} {self.type}"


class Payout(models.Model):
    stripe_payout_id = models.CharField(_("Stripe payout"), max_length=255, unique=True)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20)
    arrival_date = models.DateField(null=True, blank=True)
    journal_entry = models.OneToOneField(
        "fund.JournalEntry", on_delete=models.PROTECT, null=True, blank=True, related_name="payout"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.stripe_payout_id


class ReconciliationRun(models.Model):
    since = models.DateField(_("since"))
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    matched = models.PositiveIntegerField(_("matched"), default=0)
    unmatched = models.PositiveIntegerField(_("unmatched"), default=0)

    class Meta:
        verbose_name = _("reconciliation run")
        verbose_name_plural = _("reconciliation runs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.since} @ {self.started_at:%Y-%m-%d %H:%M}"


class ExceptionKind(models.TextChoices):
    UNKNOWN_CHARGE = "unknown_charge", _("Stripe charge with no settled donation")
    AMOUNT_MISMATCH = "amount_mismatch", _("Amount differs from the ledger")
    UNKNOWN_REFUND = "unknown_refund", _("Stripe refund not in the ledger")
    UNKNOWN_DISPUTE = "unknown_dispute", _("Stripe dispute movement not in the ledger")
    UNKNOWN_PAYOUT = "unknown_payout", _("Paid payout not in the ledger")
    MISSING_AT_STRIPE = "missing_at_stripe", _("Settled donation not found at Stripe")
    OTHER = "other", _("Other balance movement")


class ReconciliationException(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=ExceptionKind.choices)
    stripe_object_id = models.CharField(_("Stripe object"), max_length=255)
    amount_minor = models.BigIntegerField(_("amount (minor units)"), default=0)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    first_run = models.ForeignKey(
        ReconciliationRun, on_delete=models.PROTECT, related_name="exceptions"
    )
    last_seen_at = models.DateTimeField(_("last seen"), auto_now=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution = models.TextField(_("resolution"), blank=True)

    class Meta:
        verbose_name = _("reconciliation exception")
        verbose_name_plural = _("reconciliation exceptions")
        ordering = ["resolved_at", "-last_seen_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "stripe_object_id"], name="reconciliation_exception_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.stripe_object_id}"


class PortalLink(models.Model):
    """One emailed sign-in link; ``used_at`` makes it single use."""

    donor = models.ForeignKey(Donor, on_delete=models.CASCADE, related_name="portal_links")
    nonce = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("portal sign-in link")
        verbose_name_plural = _("portal sign-in links")

    def __str__(self) -> str:
        return f"{self.donor} {self.created_at:%Y-%m-%d %H:%M}"


# Receipts (issue 5) -----------------------------------------------------------------------
# The PDF, its number and its immutability live in documents.IssuedDocument; these rows say
# which gift a document receipts, for how much, and why it was issued, voided or not issued.


class ReceiptStatus(models.TextChoices):
    ISSUED = "issued", _("Valid")
    VOID = "void", _("Void")
    REPLACED = "replaced", _("Replaced")
    NOT_ISSUED = "not_issued", _("Not issued (recorded decision)")


LIVE_RECEIPT_STATUSES = (ReceiptStatus.ISSUED, ReceiptStatus.NOT_ISSUED)


class ReceiptNotIssuedReason(models.TextChoices):
    DONOR_DECLINED = "donor_declined", _("The donor declined a receipt")
    ANONYMOUS = "anonymous", _("Anonymous gift: nobody to issue a receipt to")
    NOTHING_LEFT = "nothing_left", _("Nothing left to receipt (refunded before issue)")


class ReceiptCause(models.TextChoices):
    SETTLED = "settled", _("Gift settled")
    REFUND = "refund", _("Refund")
    DISPUTE = "dispute", _("Lost dispute")
    CORRECTION = "correction", _("Staff correction")
    FISCAL = "fiscal", _("Official fiscal e-receipt recorded")
    ON_REQUEST = "on_request", _("Issued on the donor's request")


class Receipt(models.Model):
    """One receipt decision for a gift: an issued document, or a recorded reason for none.

    A gift has at most one live row (valid, or not issued); voided and replaced rows stay,
    linked by ``replaced_by`` to the row that took their place.
    """

    donation = models.ForeignKey(
        Donation, on_delete=models.PROTECT, related_name="receipts", verbose_name=_("donation")
    )
    document = models.OneToOneField(
        "documents.IssuedDocument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="donation_receipt",
        verbose_name=_("document"),
    )
    number = models.CharField(_("number"), max_length=64, blank=True, db_index=True)
    status = models.CharField(_("status"), max_length=12, choices=ReceiptStatus.choices)
    cause = models.CharField(_("issued because"), max_length=12, choices=ReceiptCause.choices)
    amount_minor = models.BigIntegerField(_("amount receipted (minor units)"), default=0)
    currency = models.CharField(_("currency"), max_length=3)
    language = models.CharField(_("language"), max_length=10, blank=True)
    fiscal_code = models.CharField(_("fiscal receipt code"), max_length=40, blank=True)
    fiscal_number = models.CharField(_("fiscal receipt number"), max_length=40, blank=True)
    fiscal_check_code = models.CharField(_("fiscal check code"), max_length=40, blank=True)
    not_issued_reason = models.CharField(
        _("not issued because"), max_length=20, choices=ReceiptNotIssuedReason.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    void_reason = models.TextField(_("void reason"), blank=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("voided by"),
    )
    replaced_by = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaces",
        verbose_name=_("replaced by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["donation"],
                condition=Q(status__in=["issued", "not_issued"]),
                name="receipt_one_live_per_donation",
            ),
            models.CheckConstraint(
                condition=Q(amount_minor__gte=0), name="receipt_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=(Q(status="not_issued") & Q(document__isnull=True))
                | (
                    ~Q(status="not_issued") & (Q(document__isnull=False) | ~Q(not_issued_reason=""))
                ),
                name="receipt_document_or_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="not_issued") | ~Q(not_issued_reason=""),
                name="receipt_not_issued_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["issued", "not_issued"], voided_at__isnull=True)
                | (
                    Q(status__in=["void", "replaced"], voided_at__isnull=False) & ~Q(void_reason="")
                ),
                name="receipt_void_has_reason_and_time",
            ),
            models.CheckConstraint(
                condition=Q(status="replaced", replaced_by__isnull=False)
                | (~Q(status="replaced") & Q(replaced_by__isnull=True)),
                name="receipt_replaced_has_replacement",
            ),
            models.CheckConstraint(
                condition=Q(fiscal_code="", fiscal_number="", fiscal_check_code="")
                | (~Q(fiscal_code="") & ~Q(fiscal_number="") & ~Q(fiscal_check_code="")),
                name="receipt_fiscal_all_or_nothing",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"{self.get_status_display()} #{self.pk}"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_RECEIPT_STATUSES

    @property
    def is_fiscal(self) -> bool:
        return bool(self.fiscal_number)


class AnnualStatement(models.Model):
    """A donor's statement of one year's gifts (not a receipt); one valid per donor and year."""

    donor = models.ForeignKey(
        Donor, on_delete=models.PROTECT, related_name="annual_statements", verbose_name=_("donor")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    document = models.OneToOneField(
        "documents.IssuedDocument",
        on_delete=models.PROTECT,
        related_name="annual_statement",
        verbose_name=_("document"),
    )
    number = models.CharField(_("number"), max_length=64, db_index=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ReceiptStatus.choices, default=ReceiptStatus.ISSUED
    )
    donations = models.ManyToManyField(
        Donation, related_name="annual_statements", verbose_name=_("gifts listed")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("annual statement")
        verbose_name_plural = _("annual statements")
        ordering = ["-year", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["donor", "year"],
                condition=Q(status="issued"),
                name="annual_statement_one_per_donor_year",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed (will retry)")
    GAVE_UP = "gave_up", _("Failed (retries used up)")


class ReceiptDelivery(models.Model):
    """One emailed document (a receipt or an annual statement), with its send attempts."""

    document = models.OneToOneField(
        "documents.IssuedDocument",
        on_delete=models.PROTECT,
        related_name="delivery",
        verbose_name=_("document"),
    )
    receipt = models.ForeignKey(
        Receipt,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("receipt"),
    )
    statement = models.ForeignKey(
        AnnualStatement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("annual statement"),
    )
    email = models.EmailField(_("email"))
    language = models.CharField(_("language"), max_length=10)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("receipt email")
        verbose_name_plural = _("receipt emails")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(receipt__isnull=False, statement__isnull=True)
                | Q(receipt__isnull=True, statement__isnull=False),
                name="delivery_receipt_or_statement",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document} → {mask_email(self.email)}"
