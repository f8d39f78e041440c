"""Eligibility policies as data, the stored decisions, consents and screening runs.

A ``PolicyVersion`` is written once and never changed: an administrator's edit is a new
version with its own ``effective_from``. An ``Assessment`` stores the version it used, the
exact inputs (the JSON snapshot of ``grants.eligibility``), every criterion and the outcome,
so ``grants.eligibility.replay`` reproduces it years later. A newer assessment of the same
household and project marks the older ones ``stale``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grants.eligibility import Outcome
from grants.models.projects import Bilingual

OUTCOME_CHOICES = [
    (Outcome.ELIGIBLE.value, _("eligible")),
    (Outcome.NOT_ELIGIBLE.value, _("not eligible")),
    (Outcome.NEEDS_INFORMATION.value, _("needs information")),
]

# Consent codes an assessment can see. ``personal_data`` is the household's consent to the
# processing of its personal data for the subsidy application (HouseholdConsent); the other
# two are derived from the occupants' separate sensitive-data consents (PIPL).
CONSENT_PERSONAL_DATA = "personal_data"
CONSENT_SENSITIVE = "sensitive_personal_data"
CONSENT_INCOME = "income"


class EligibilityPolicy(Bilingual):
    """A programme's eligibility and subsidy policy; its parameters live in versions."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    is_default = models.BooleanField(_("default policy"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("eligibility policy")
        verbose_name_plural = _("eligibility policies")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_policy"
            )
        ]


class PolicyVersion(models.Model):
    """One set of parameters (``grants.eligibility.params_to_json``), from a date. Immutable."""

    policy = models.ForeignKey(
        EligibilityPolicy,
        on_delete=models.PROTECT,
        related_name="versions",
        verbose_name=_("policy"),
    )
    number = models.PositiveIntegerField(_("version"))
    effective_from = models.DateField(_("effective from"))
    parameters = models.JSONField(_("parameters"))
    dibao_line_minor = models.BigIntegerField(
        _("minimum-living line per person per month (fen)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("The local 低保 line used by the income rule and priority."),
    )
    reason = models.TextField(_("reason for the change"), blank=True)
    dry_run = models.JSONField(_("dry run before saving"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        ordering = ["policy", "-effective_from", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="policy_version_unique"),
            models.UniqueConstraint(
                fields=["policy", "effective_from"], name="policy_version_date_unique"
            ),
            models.CheckConstraint(
                condition=Q(dibao_line_minor__isnull=True) | Q(dibao_line_minor__gte=0),
                name="policy_version_dibao_nonnegative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy.code} v{self.number} ({self.effective_from.isoformat()})"


class HouseholdConsent(models.Model):
    """A household's recorded consent (default kind: processing its personal data for the
    subsidy application). The policy's ``required_consents`` name the kinds it needs."""

    household = models.ForeignKey(
        "grants.Household",
        on_delete=models.PROTECT,
        related_name="consents",
        verbose_name=_("household"),
    )
    kind = models.SlugField(_("kind"), max_length=40, default=CONSENT_PERSONAL_DATA)
    given_on = models.DateField(_("given on"))
    given_by = models.ForeignKey(
        "grants.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("given by"),
    )
    evidence_document = models.ForeignKey(
        "grants.ProjectDocument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed form"),
    )
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("household consent")
        verbose_name_plural = _("household consents")
        ordering = ["household", "kind", "given_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "kind"],
                condition=Q(withdrawn_on__isnull=True),
                name="household_consent_active_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.kind}"


class ScreeningTrigger(models.TextChoices):
    SINGLE = "single", _("one household")
    COMMAND = "command", _("command or administrator")
    POLICY_VERSION = "policy_version", _("policy version took effect")
    HOUSEHOLD_CHANGE = "household_change", _("household changed")


class ScreeningStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class ScreeningRun(models.Model):
    """A batch of screenings with its progress and the households whose outcome changed."""

    trigger = models.CharField(_("started by"), max_length=20, choices=ScreeningTrigger.choices)
    project = models.ForeignKey(
        "grants.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("project"),
    )
    household = models.ForeignKey(
        "grants.Household",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("household"),
    )
    policy_version = models.ForeignKey(
        PolicyVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="screening_runs",
        verbose_name=_("policy version"),
    )
    reference_date = models.DateField(_("reference date"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ScreeningStatus.choices,
        default=ScreeningStatus.PENDING,
    )
    total = models.PositiveIntegerField(_("households"), default=0)
    done = models.PositiveIntegerField(_("screened"), default=0)
    changed = models.PositiveIntegerField(_("outcome changed"), default=0)
    # [{"household": id, "project": id, "unit": label, "before": outcome|null, "after": outcome}]
    changes = models.JSONField(_("outcome changes"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by user"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("screening run")
        verbose_name_plural = _("screening runs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(done__lte=models.F("total")), name="screening_done_le_total"
            ),
            # A version's activation re-screen is started once (the daily task is idempotent).
            models.UniqueConstraint(
                fields=["policy_version"],
                condition=Q(trigger="policy_version"),
                name="screening_one_activation_per_version",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_trigger_display()} {self.done}/{self.total}"


class Assessment(models.Model):
    """One stored decision: the policy version, the inputs used, every criterion, the outcome."""

    policy_version = models.ForeignKey(
        PolicyVersion,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("policy version"),
    )
    household = models.ForeignKey(
        "grants.Household",
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("household"),
    )
    project = models.ForeignKey(
        "grants.Project",
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("project"),
    )
    reference_date = models.DateField(_("reference date"))
    # ``grants.eligibility.assessment_to_json(..., sentences=False)``: rules version,
    # parameters, facts, outcome and criteria; ``replay`` recomputes from it.
    inputs = models.JSONField(_("inputs snapshot"))
    results = models.JSONField(_("criteria"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=OUTCOME_CHOICES)
    missing = models.JSONField(_("missing information"), default=list, blank=True)
    # The outcome of the assessment this one superseded ("" for a first screening): the
    # screening report lists the households where it differs from ``outcome``.
    previous_outcome = models.CharField(
        _("previous outcome"), max_length=20, choices=OUTCOME_CHOICES, blank=True
    )
    priority_score = models.IntegerField(_("priority score"), null=True, blank=True)
    stale = models.BooleanField(_("stale"), default=False, db_index=True)
    screening_run = models.ForeignKey(
        ScreeningRun,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessments",
        verbose_name=_("screening run"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("screened by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["household", "project", "stale"], name="assessment_current_idx"),
            models.Index(fields=["project", "outcome", "stale"], name="assessment_outcome_idx"),
        ]
        constraints = [
            # At most one current (not stale) decision per household and project.
            models.UniqueConstraint(
                fields=["household", "project"],
                condition=Q(stale=False),
                name="assessment_one_current",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.household_id}/{self.project_id}: {self.outcome}"
