"""Versioned cost-share runs: each recomputation is a new run (who, why, old vs new)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grants.costshare import ShareRole

COST_ROLE_CHOICES = [
    (ShareRole.CONTRIBUTOR.value, _("contributor")),
    (ShareRole.EXEMPT.value, _("exempt")),
    (ShareRole.OPT_OUT.value, _("opt-out")),
]


class CostShareRun(models.Model):
    project = models.ForeignKey(
        "grants.Project",
        on_delete=models.PROTECT,
        related_name="costshare_runs",
        verbose_name=_("project"),
    )
    version = models.PositiveIntegerField(_("version"))
    method = models.CharField(_("method"), max_length=32)
    volunteer_effect = models.CharField(_("volunteer extra payments"), max_length=32)
    currency = models.CharField(_("currency"), max_length=3)
    total_cost_minor = models.BigIntegerField(_("total cost (fen)"))
    government_subsidy_minor = models.BigIntegerField(_("government subsidy (fen)"))
    other_grants_minor = models.BigIntegerField(_("other grants (fen)"))
    net_cost_minor = models.BigIntegerField(_("residents' net cost (fen)"))
    reserve_minor = models.BigIntegerField(_("maintenance reserve (fen)"))
    opt_out_fee_minor = models.BigIntegerField(_("entry fee for opt-outs (fen)"))
    subsidy_basis = models.JSONField(_("subsidy basis"), default=dict)
    reason = models.TextField(_("reason"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("computed by"),
    )
    computed_at = models.DateTimeField(_("computed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("cost-share version")
        verbose_name_plural = _("cost-share versions")
        ordering = ["project", "-version"]
        get_latest_by = "version"
        constraints = [
            models.UniqueConstraint(fields=["project", "version"], name="costshare_version_unique"),
            models.CheckConstraint(
                condition=Q(net_cost_minor__gte=0, reserve_minor__gte=0),
                name="costshare_nonnegative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.reference} v{self.version}"


class CostShareLine(models.Model):
    run = models.ForeignKey(
        CostShareRun, on_delete=models.CASCADE, related_name="lines", verbose_name=_("version")
    )
    unit = models.ForeignKey(
        "grants.Unit",
        on_delete=models.PROTECT,
        related_name="costshare_lines",
        verbose_name=_("unit"),
    )
    role = models.CharField(_("cost role"), max_length=16, choices=COST_ROLE_CHOICES)
    late_join = models.BooleanField(_("joined late"), default=False)
    weight = models.BigIntegerField(_("weight"))
    original_share_minor = models.BigIntegerField(_("original share (fen)"))
    entry_price_minor = models.BigIntegerField(_("entry price (fen)"), null=True, blank=True)
    base_share_minor = models.BigIntegerField(_("share (fen)"))
    reduction_minor = models.BigIntegerField(_("reduction (fen)"))
    volunteer_extra_minor = models.BigIntegerField(_("volunteer extra (fen)"))
    payable_minor = models.BigIntegerField(_("payable (fen)"))
    previous_payable_minor = models.BigIntegerField(
        _("payable in the previous version (fen)"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("cost-share line")
        verbose_name_plural = _("cost-share lines")
        ordering = ["run", "unit__floor", "unit__label"]
        constraints = [
            models.UniqueConstraint(fields=["run", "unit"], name="costshare_line_unique"),
            models.CheckConstraint(
                condition=Q(payable_minor__gte=0, base_share_minor__gte=0, reduction_minor__gte=0),
                name="costshare_line_nonnegative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run} {self.unit}"


class VolunteerPayment(models.Model):
    """A volunteer extra payment (自愿多出) promised by a unit, recorded separately."""

    unit = models.ForeignKey(
        "grants.Unit",
        on_delete=models.PROTECT,
        related_name="volunteer_payments",
        verbose_name=_("unit"),
    )
    amount_minor = models.BigIntegerField(_("amount (fen)"), validators=[MinValueValidator(1)])
    recorded_on = models.DateField(_("recorded on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("volunteer extra payment")
        verbose_name_plural = _("volunteer extra payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="volunteer_positive")
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.amount_minor}"
