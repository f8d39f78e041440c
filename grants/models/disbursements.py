"""Disbursements: committed awards paid out in milestone tranches, maker-checker approved.

Design overview
---------------
- ``TrancheTemplate`` + ``TrancheTemplateLine`` are data (share, milestone step code,
  evidence kinds): the default is 30% at contract signed, 70% at acceptance. A project's plan
  (``Tranche`` rows) is a copy of a template's lines taken when the plan is made, so editing a
  template never rewrites a plan already in use. Tranche *amounts* are not stored: they are
  derived from the committed awards by ``grants.tranches`` (exact fen).
- ``Disbursement`` is one payment of one tranche from one fund to the project's payee:
  requested (by a Finance officer, with ``DisbursementEvidence``) -> approved (one or two
  ``DisbursementApproval``s by Approvers who did not request it) -> paid (bank reference,
  date, the ledger entry ``disbursement:<id>``) -> returned (the money came back: a reversing
  entry). Requested or approved ones may be rejected or cancelled; those post nothing.
  At most one *live* (requested, approved or paid) disbursement per tranche and fund.
- ``DisbursementAllocation`` says which awards (households) a disbursement pays for, in exact
  fen summing to its amount: a household's file shows awarded / paid / outstanding from them.
- ``ProjectCloseout`` records a project's close: the leftover reservations released.

Only ``grants.services.disbursements`` writes these rows.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from grants.models.documents import DocumentKind


class TrancheTemplate(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    is_default = models.BooleanField(_("default for new plans"), default=False)

    class Meta:
        verbose_name = _("tranche template")
        verbose_name_plural = _("tranche templates")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="one_default_tranche_template",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


class TrancheLineBase(models.Model):
    position = models.PositiveSmallIntegerField(_("position"), validators=[MinValueValidator(1)])
    share_bp = models.PositiveIntegerField(
        _("share (basis points)"),
        validators=[MinValueValidator(1), MaxValueValidator(10_000)],
        help_text=_("3000 = 30%"),
    )
    milestone = models.SlugField(
        _("milestone (lifecycle step code)"),
        max_length=40,
        help_text=_("The tranche may be requested once the project has reached this step."),
    )
    evidence_kinds = models.JSONField(
        _("required evidence"),
        default=list,
        help_text=_("Document kinds, e.g. contract, invoice, acceptance_certificate."),
    )

    class Meta:
        abstract = True

    @property
    def share_percent(self) -> str:
        whole, rest = divmod(self.share_bp, 100)
        return f"{whole}%" if not rest else f"{whole}.{rest:02d}".rstrip("0") + "%"

    def evidence_labels(self) -> list[str]:
        return [
            str(DocumentKind(k).label) if k in DocumentKind.values else k
            for k in self.evidence_kinds
        ]


class TrancheTemplateLine(TrancheLineBase):
    template = models.ForeignKey(
        TrancheTemplate, on_delete=models.CASCADE, related_name="lines", verbose_name=_("template")
    )

    class Meta:
        verbose_name = _("tranche template line")
        verbose_name_plural = _("tranche template lines")
        ordering = ["template", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "position"], name="tranche_template_line_unique"
            ),
            models.CheckConstraint(
                condition=Q(share_bp__gte=1, share_bp__lte=10_000),
                name="tranche_template_line_share_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template.code} #{self.position} {self.share_percent} @ {self.milestone}"


class Tranche(TrancheLineBase):
    """One tranche of a project's plan (copied from a template when the plan was made)."""

    project = models.ForeignKey(
        "grants.Project",
        on_delete=models.PROTECT,
        related_name="tranches",
        verbose_name=_("project"),
    )
    template = models.ForeignKey(
        TrancheTemplate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from template"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("planned by"),
    )
    created_at = models.DateTimeField(_("planned at"), auto_now_add=True)

    class Meta:
        verbose_name = _("tranche")
        verbose_name_plural = _("tranches")
        ordering = ["project", "position"]
        constraints = [
            models.UniqueConstraint(fields=["project", "position"], name="tranche_position_unique"),
            models.CheckConstraint(
                condition=Q(share_bp__gte=1, share_bp__lte=10_000), name="tranche_share_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.reference} #{self.position} {self.share_percent}"


class DisbursementStatus(models.TextChoices):
    REQUESTED = "requested", _("waiting for approval")
    APPROVED = "approved", _("approved, to pay")
    PAID = "paid", _("paid")
    REJECTED = "rejected", _("rejected")
    CANCELLED = "cancelled", _("cancelled")
    RETURNED = "returned", _("returned (money came back)")


# A live disbursement holds its tranche: another one for the same tranche and fund waits.
LIVE_STATUSES = (
    DisbursementStatus.REQUESTED,
    DisbursementStatus.APPROVED,
    DisbursementStatus.PAID,
)


class Disbursement(models.Model):
    project = models.ForeignKey(
        "grants.Project",
        on_delete=models.PROTECT,
        related_name="disbursements",
        verbose_name=_("project"),
    )
    tranche = models.ForeignKey(
        Tranche, on_delete=models.PROTECT, related_name="disbursements", verbose_name=_("tranche")
    )
    fund = models.ForeignKey(
        "fund.Fund", on_delete=models.PROTECT, related_name="+", verbose_name=_("fund")
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    amount_minor = models.BigIntegerField(_("amount (fen)"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DisbursementStatus.choices,
        default=DisbursementStatus.REQUESTED,
        db_index=True,
    )
    payee = models.CharField(
        _("payee"),
        max_length=200,
        help_text=_("The contractor or the project's co-managed account."),
    )
    note = models.TextField(_("note"), blank=True)
    approvals_required = models.PositiveSmallIntegerField(
        _("approvals required"), validators=[MinValueValidator(1), MaxValueValidator(2)]
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rejected or cancelled by"),
    )
    decided_at = models.DateTimeField(_("rejected or cancelled at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("paid by"),
    )
    paid_at = models.DateTimeField(_("payment recorded at"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    bank_reference = models.CharField(_("bank reference"), max_length=100, blank=True)
    entry = models.OneToOneField(
        "fund.JournalEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ledger entry"),
    )
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("return recorded by"),
    )
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    return_reason = models.TextField(_("why it came back"), blank=True)
    return_entry = models.OneToOneField(
        "fund.JournalEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reversing entry"),
    )
    return_release_entry = models.OneToOneField(
        "fund.JournalEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("release of the returned money"),
    )
    voucher = models.OneToOneField(
        "documents.IssuedDocument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("voucher"),
    )

    class Meta:
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")
        ordering = ["-requested_at", "-id"]
        permissions = [
            ("request_disbursement", _("Can request disbursements")),
            ("approve_disbursement", _("Can approve or reject disbursements")),
            ("pay_disbursement", _("Can record disbursements as paid or returned")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_minor__gt=0), name="disbursement_amount_positive"
            ),
            models.UniqueConstraint(
                fields=["tranche", "fund"],
                condition=Q(status__in=["requested", "approved", "paid"]),
                name="disbursement_one_live_per_tranche_fund",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["paid", "returned"])
                | (Q(entry__isnull=False, paid_on__isnull=False) & ~Q(bank_reference="")),
                name="disbursement_paid_has_entry",
            ),
            models.CheckConstraint(
                condition=~Q(status="returned") | Q(return_entry__isnull=False),
                name="disbursement_returned_has_reversal",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.project.reference} T{self.tranche.position} {self.status}"


class DisbursementApproval(models.Model):
    disbursement = models.ForeignKey(
        Disbursement,
        on_delete=models.PROTECT,
        related_name="approvals",
        verbose_name=_("disbursement"),
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approver"),
    )
    at = models.DateTimeField(_("at"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("disbursement approval")
        verbose_name_plural = _("disbursement approvals")
        ordering = ["disbursement", "at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["disbursement", "approver"], name="disbursement_approver_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.disbursement_id}: {self.approver}"


class DisbursementEvidence(models.Model):
    disbursement = models.ForeignKey(
        Disbursement,
        on_delete=models.PROTECT,
        related_name="evidence",
        verbose_name=_("disbursement"),
    )
    document = models.ForeignKey(
        "grants.ProjectDocument",
        on_delete=models.PROTECT,
        related_name="disbursement_evidence",
        verbose_name=_("document"),
    )
    kind = models.CharField(_("kind"), max_length=40, choices=DocumentKind.choices)

    class Meta:
        verbose_name = _("disbursement evidence")
        verbose_name_plural = _("disbursement evidence")
        ordering = ["disbursement", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["disbursement", "document"], name="disbursement_evidence_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.disbursement_id}: {self.get_kind_display()}"


class DisbursementAllocation(models.Model):
    """The part of a disbursement paid toward one award (one household), exact fen."""

    disbursement = models.ForeignKey(
        Disbursement,
        on_delete=models.PROTECT,
        related_name="allocations",
        verbose_name=_("disbursement"),
    )
    award = models.ForeignKey(
        "grants.Award",
        on_delete=models.PROTECT,
        related_name="allocations",
        verbose_name=_("award"),
    )
    household = models.ForeignKey(
        "grants.Household",
        on_delete=models.PROTECT,
        related_name="disbursement_allocations",
        verbose_name=_("household"),
    )
    amount_minor = models.BigIntegerField(_("amount (fen)"))

    class Meta:
        verbose_name = _("disbursement allocation")
        verbose_name_plural = _("disbursement allocations")
        ordering = ["disbursement", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["disbursement", "award"], name="disbursement_allocation_unique"
            ),
            models.CheckConstraint(
                condition=Q(amount_minor__gt=0), name="disbursement_allocation_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.disbursement_id} -> {self.household_id}: {self.amount_minor}"


class ProjectCloseout(models.Model):
    """A project's close: when, by whom, and the leftover reservations released."""

    project = models.OneToOneField(
        "grants.Project",
        on_delete=models.PROTECT,
        related_name="closeout",
        verbose_name=_("project"),
    )
    transition = models.OneToOneField(
        "grants.ProjectTransition",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("transition"),
    )
    released_minor = models.BigIntegerField(_("released back to the funds (fen)"), default=0)
    # [{"award": id, "household": id, "fund": code, "amount": fen, "entry": number}]
    releases = models.JSONField(_("releases"), default=list, blank=True)
    paid_minor = models.BigIntegerField(_("paid in total (fen)"), default=0)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    closed_at = models.DateTimeField(_("closed at"))

    class Meta:
        verbose_name = _("project close-out")
        verbose_name_plural = _("project close-outs")
        ordering = ["-closed_at"]

    def __str__(self) -> str:
        return f"{self.project.reference} {self.closed_at:%Y-%m-%d}"


class DisbursementApprovalQueue(Disbursement):
    """The admin's "waiting for my approval" list: requests an Approver may approve now."""

    class Meta:
        proxy = True
        verbose_name = _("disbursement waiting for my approval")
        verbose_name_plural = _("disbursements waiting for my approval")
