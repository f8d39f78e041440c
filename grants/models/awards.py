"""Subsidy awards (DOMAIN §5) and the related-party register (Charity Law arts. 40, 59).

State machine (services in ``grants.services.awards`` are the only writers)::

    proposed --approve--> approved --commit--> committed --payments--> paid
        \\                  \\                     \\
         +------cancel------+--------cancel-------+--> cancelled (reservation released)

``committed`` reserves the amount in the fund (``fund.services.funds_commit``, idempotency key
``award:<id>:commit``): it can no longer be spent elsewhere. Payments (disbursements) are
recorded with ``award_record_payment``; the award is ``paid`` when ``paid_minor`` reaches
``amount_minor``. At most one live (not cancelled) award per household and project.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class AwardState(models.TextChoices):
    PROPOSED = "proposed", _("proposed")
    APPROVED = "approved", _("approved")
    COMMITTED = "committed", _("committed")
    PAID = "paid", _("paid")
    CANCELLED = "cancelled", _("cancelled")


class RelatedPartyKind(models.TextChoices):
    MANAGER = "manager", _("manager, director or supervisor of the foundation")
    STAFF = "staff", _("staff member")
    RELATIVE = "relative", _("close relative of a manager")
    NAMED_DONOR = "named_donor", _("donor who named the use")
    OTHER = "other", _("other related party")


class RelatedParty(models.Model):
    """Someone who may not benefit from the foundation's money (block and flag).

    Matched against the household's occupants and the unit's owners by the keyed hash of
    the ID number, or by exact name when no ID number is on file. ``named_donor`` rows are
    donors who named the use of their gift: ``project`` (or ``fund``) limits them to it.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=RelatedPartyKind.choices)
    name = models.CharField(_("name"), max_length=100)
    id_number_hash = models.CharField(
        _("ID number keyed hash"), max_length=64, blank=True, db_index=True, editable=False
    )
    relation = models.CharField(_("relation"), max_length=200, blank=True)
    project = models.ForeignKey(
        "grants.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("project (named use)"),
    )
    fund = models.ForeignKey(
        "fund.Fund",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("fund (named use)"),
    )
    since = models.DateField(_("since"), null=True, blank=True)
    until = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("related party")
        verbose_name_plural = _("related parties")
        ordering = ["kind", "name", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"


class Award(models.Model):
    project = models.ForeignKey(
        "grants.Project", on_delete=models.PROTECT, related_name="awards", verbose_name=_("project")
    )
    household = models.ForeignKey(
        "grants.Household",
        on_delete=models.PROTECT,
        related_name="awards",
        verbose_name=_("household"),
    )
    assessment = models.ForeignKey(
        "grants.Assessment",
        on_delete=models.PROTECT,
        related_name="awards",
        verbose_name=_("assessment"),
    )
    fund = models.ForeignKey(
        "fund.Fund", on_delete=models.PROTECT, related_name="+", verbose_name=_("fund")
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    amount_minor = models.BigIntegerField(_("amount (fen)"))
    # How the amount was reached: share, ratio, cap, already subsidised, outstanding, headroom.
    basis = models.JSONField(_("basis of the amount"), default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=AwardState.choices, default=AwardState.PROPOSED
    )
    related_party = models.BooleanField(_("related party"), default=False)
    block_reason = models.TextField(_("blocked because"), blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    proposed_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    committed_entry = models.OneToOneField(
        "fund.JournalEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("commitment entry"),
    )
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("committed by"),
    )
    committed_at = models.DateTimeField(_("committed at"), null=True, blank=True)
    paid_minor = models.BigIntegerField(_("paid (fen)"), default=0)
    paid_at = models.DateTimeField(_("fully paid at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by"),
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    release_entry = models.OneToOneField(
        "fund.JournalEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("release entry"),
    )
    letter = models.OneToOneField(
        "documents.IssuedDocument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("award letter"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        ordering = ["-proposed_at", "-id"]
        permissions = [("approve_award", _("Can approve and commit awards"))]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "project"],
                condition=~Q(state="cancelled"),
                name="award_one_live_per_household_project",
            ),
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="award_amount_positive"),
            models.CheckConstraint(
                condition=Q(paid_minor__gte=0, paid_minor__lte=F("amount_minor")),
                name="award_paid_within_amount",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["committed", "paid"]) | Q(committed_entry__isnull=False),
                name="award_committed_has_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.household_id}/{self.project_id} {self.amount_minor} {self.state}"

    @property
    def outstanding_minor(self) -> int:
        """What is still to be paid on this award."""
        return self.amount_minor - self.paid_minor


class AwardPayment(models.Model):
    """One payment towards an award (the disbursement's ledger entry), once per award and
    entry: one disbursement pays several households' awards with a single entry. A payment
    that came back is a negative row with the reversing entry."""

    award = models.ForeignKey(
        Award, on_delete=models.PROTECT, related_name="payments", verbose_name=_("award")
    )
    entry = models.ForeignKey(
        "fund.JournalEntry",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ledger entry"),
    )
    amount_minor = models.BigIntegerField(_("amount (fen)"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("award payment")
        verbose_name_plural = _("award payments")
        ordering = ["award", "recorded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(amount_minor=0), name="award_payment_amount_nonzero"
            ),
            models.UniqueConstraint(fields=["award", "entry"], name="award_payment_once_per_entry"),
        ]

    def __str__(self) -> str:
        return f"{self.award_id}: {self.amount_minor}"
