"""One file per lift (一梯一档): the project, its lifecycle (as data) and subsidy presets."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from grants.costshare import Method, VolunteerEffect
from grants.models.documents import DocumentKind

MIN_FLOORS = 4
MAX_FLOORS = 40


class Bilingual(models.Model):
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


class Lifecycle(Bilingual):
    """A list of steps and the moves between them (provinces publish their own)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    is_default = models.BooleanField(_("default for new projects"), default=False)

    class Meta:
        verbose_name = _("lifecycle")
        verbose_name_plural = _("lifecycles")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_lifecycle"
            )
        ]


class ConsultationKind(models.TextChoices):
    INTENT = "intent", _("intent consultation")
    PLAN = "plan", _("plan and cost-split consultation")


class Gate(models.TextChoices):
    """Conditions checked in code before a project may ENTER a step (the data picks them)."""

    INTENT_PASSED = "intent_passed", _("intent consultation passed")
    PLAN_PASSED = "plan_passed", _("plan consultation passed")
    COST_SHARE = "cost_share", _("cost share computed")
    NOTICE_OVER = "notice_over", _("public notice period over")
    OBJECTIONS_RESOLVED = "objections_resolved", _("objections to the notice resolved")
    FINAL_COST = "final_cost", _("final cost recorded")


class LifecycleStep(Bilingual):
    lifecycle = models.ForeignKey(
        Lifecycle, on_delete=models.CASCADE, related_name="steps", verbose_name=_("lifecycle")
    )
    code = models.SlugField(_("code"), max_length=40)
    position = models.PositiveSmallIntegerField(_("position"))
    consultation_kind = models.CharField(
        _("consultation held in this step"),
        max_length=16,
        choices=ConsultationKind.choices,
        blank=True,
    )
    gates = models.JSONField(_("gates to enter"), default=list, blank=True)
    starts_notice = models.BooleanField(_("entering starts the public notice"), default=False)
    is_initial = models.BooleanField(_("initial"), default=False)
    is_final = models.BooleanField(_("final"), default=False)
    is_cancellation = models.BooleanField(_("cancellation"), default=False)

    class Meta:
        verbose_name = _("lifecycle step")
        verbose_name_plural = _("lifecycle steps")
        ordering = ["lifecycle", "position"]
        constraints = [
            models.UniqueConstraint(fields=["lifecycle", "code"], name="step_code_unique"),
            models.UniqueConstraint(fields=["lifecycle", "position"], name="step_position_unique"),
        ]


class LifecycleTransition(models.Model):
    lifecycle = models.ForeignKey(
        Lifecycle, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("lifecycle")
    )
    source = models.ForeignKey(
        LifecycleStep, on_delete=models.CASCADE, related_name="exits", verbose_name=_("from")
    )
    target = models.ForeignKey(
        LifecycleStep, on_delete=models.CASCADE, related_name="entries", verbose_name=_("to")
    )
    requires_reason = models.BooleanField(_("requires a reason"), default=False)

    class Meta:
        verbose_name = _("allowed transition")
        verbose_name_plural = _("allowed transitions")
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="transition_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.source} → {self.target}"


class StepDocumentRequirement(models.Model):
    """A document of this kind must be on file before the project enters ``step``."""

    step = models.ForeignKey(
        LifecycleStep,
        on_delete=models.CASCADE,
        related_name="requirements",
        verbose_name=_("step"),
    )
    kind = models.CharField(_("document kind"), max_length=40, choices=DocumentKind.choices)

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        constraints = [models.UniqueConstraint(fields=["step", "kind"], name="requirement_unique")]

    def __str__(self) -> str:
        return f"{self.step}: {self.get_kind_display()}"


class SubsidyPreset(Bilingual):
    """A city's government subsidy per lift, effective from a date (DOMAIN §3, config).

    ``gov = min(rate x eligible cost, cap)``, or a fixed amount; ``extra`` is an allowance
    added when the project relocates pipelines (Hangzhou).
    """

    city_code = models.SlugField(_("city code"), max_length=40)
    effective_from = models.DateField(_("effective from"))
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    rate_bp = models.PositiveIntegerField(
        _("rate (basis points)"), null=True, blank=True, validators=[MaxValueValidator(10_000)]
    )
    cap_minor = models.BigIntegerField(_("cap (fen)"), null=True, blank=True)
    fixed_minor = models.BigIntegerField(_("fixed amount (fen)"), null=True, blank=True)
    pipeline_extra_minor = models.BigIntegerField(_("pipeline allowance (fen)"), default=0)
    note_zh = models.CharField(_("note (Chinese)"), max_length=200, blank=True)
    note_en = models.CharField(_("note (English)"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("subsidy preset")
        verbose_name_plural = _("subsidy presets")
        ordering = ["city_code", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["city_code", "effective_from"], name="preset_city_date_unique"
            ),
            models.CheckConstraint(
                condition=Q(rate_bp__isnull=False) | Q(fixed_minor__isnull=False),
                name="preset_rate_or_fixed",
            ),
        ]


class SubsidyMode(models.TextChoices):
    CITY_PRESET = "city_preset", _("city preset")
    FIXED = "fixed", _("fixed amount")
    NONE = "none", _("none")


class Project(models.Model):
    reference = models.CharField(_("file number"), max_length=40, unique=True)
    city_code = models.SlugField(_("city"), max_length=40)
    district = models.CharField(_("district"), max_length=60, blank=True)
    community = models.CharField(_("residential community"), max_length=100)
    building = models.CharField(_("building"), max_length=40)
    entrance = models.CharField(_("entrance"), max_length=40)
    floors = models.PositiveSmallIntegerField(
        _("floors"), validators=[MinValueValidator(MIN_FLOORS), MaxValueValidator(MAX_FLOORS)]
    )
    ground_floor_shops = models.BooleanField(_("ground floor is shops"), default=False)
    shops_in_scope = models.BooleanField(_("shops vote in consultations"), default=False)
    contractor = models.CharField(_("contractor"), max_length=120, blank=True)
    lead_residents = models.ManyToManyField(
        "grants.Person", blank=True, related_name="led_projects", verbose_name=_("lead residents")
    )
    lifecycle = models.ForeignKey(
        Lifecycle, on_delete=models.PROTECT, related_name="+", verbose_name=_("lifecycle")
    )
    stage = models.ForeignKey(
        LifecycleStep, on_delete=models.PROTECT, related_name="+", verbose_name=_("stage")
    )
    applied_on = models.DateField(_("applied on"), default=timezone.localdate)
    notice_days = models.PositiveSmallIntegerField(
        _("public notice (days)"), default=15, validators=[MinValueValidator(1)]
    )
    notice_started_on = models.DateField(_("public notice started on"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    cost_estimate_minor = models.BigIntegerField(
        _("cost estimate (fen)"), validators=[MinValueValidator(0)]
    )
    final_cost_minor = models.BigIntegerField(
        _("final cost (fen)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    subsidy_mode = models.CharField(
        _("government subsidy"),
        max_length=16,
        choices=SubsidyMode.choices,
        default=SubsidyMode.CITY_PRESET,
    )
    subsidy_fixed_minor = models.BigIntegerField(
        _("fixed subsidy (fen)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    subsidy_eligible_cost_minor = models.BigIntegerField(
        _("cost eligible for subsidy (fen)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Empty: the whole cost."),
    )
    pipeline_relocation = models.BooleanField(_("pipelines relocated"), default=False)
    cost_split_method = models.CharField(
        _("cost split method"),
        max_length=32,
        choices=[
            (Method.FLOORS_RIDDEN.value, _("floors ridden")),
            (Method.FLOOR_COEFFICIENT_AREA.value, _("floor coefficient × area")),
            (Method.MANUAL.value, _("agreed amounts")),
            (Method.AREA_PRO_RATA.value, _("pro rata by exclusive area")),
        ],
        default=Method.AREA_PRO_RATA.value,
    )
    volunteer_effect = models.CharField(
        _("volunteer extra payments"),
        max_length=32,
        choices=[
            (VolunteerEffect.REDUCE_OTHERS.value, _("reduce the others' shares")),
            (VolunteerEffect.MAINTENANCE_RESERVE.value, _("go to the maintenance reserve")),
        ],
        default=VolunteerEffect.REDUCE_OTHERS.value,
    )
    opt_out_fee_minor = models.BigIntegerField(
        _("entry fee for opt-outs (fen)"), default=0, validators=[MinValueValidator(0)]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("lift project")
        verbose_name_plural = _("lift projects")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(floors__gte=MIN_FLOORS, floors__lte=MAX_FLOORS),
                name="project_floors_range",
            ),
            models.CheckConstraint(
                condition=Q(cost_estimate_minor__gte=0), name="project_estimate_nonnegative"
            ),
            models.CheckConstraint(
                condition=Q(final_cost_minor__isnull=True) | Q(final_cost_minor__gte=0),
                name="project_final_cost_nonnegative",
            ),
            models.CheckConstraint(
                condition=~Q(subsidy_mode="fixed") | Q(subsidy_fixed_minor__isnull=False),
                name="project_fixed_subsidy_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.community} {self.building}-{self.entrance}"

    @property
    def total_cost_minor(self) -> int:
        return (
            self.final_cost_minor if self.final_cost_minor is not None else self.cost_estimate_minor
        )


class OtherGrant(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="other_grants", verbose_name=_("project")
    )
    source_zh = models.CharField(_("source (Chinese)"), max_length=100)
    source_en = models.CharField(_("source (English)"), max_length=100, blank=True)
    amount_minor = models.BigIntegerField(_("amount (fen)"), validators=[MinValueValidator(0)])
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("other grant")
        verbose_name_plural = _("other grants")
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gte=0), name="other_grant_nonnegative")
        ]

    def __str__(self) -> str:
        return self.source_zh


class FloorCoefficient(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="coefficients", verbose_name=_("project")
    )
    floor = models.PositiveSmallIntegerField(_("floor"))
    coefficient = models.DecimalField(_("coefficient"), max_digits=6, decimal_places=3)

    class Meta:
        verbose_name = _("floor coefficient")
        verbose_name_plural = _("floor coefficients")
        ordering = ["project", "floor"]
        constraints = [
            models.UniqueConstraint(fields=["project", "floor"], name="coefficient_floor_unique"),
            models.CheckConstraint(condition=Q(coefficient__gte=0), name="coefficient_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.floor}: {self.coefficient}"


class ProjectTransition(models.Model):
    """One recorded move of a project: who, when, why, with which documents."""

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="transitions", verbose_name=_("project")
    )
    source = models.ForeignKey(
        LifecycleStep,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from"),
    )
    target = models.ForeignKey(
        LifecycleStep, on_delete=models.PROTECT, related_name="+", verbose_name=_("to")
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    reason = models.TextField(_("reason"), blank=True)
    documents = models.ManyToManyField(
        "grants.ProjectDocument",
        blank=True,
        related_name="transitions",
        verbose_name=_("documents"),
    )

    class Meta:
        verbose_name = _("project transition")
        verbose_name_plural = _("project transitions")
        ordering = ["project", "at", "id"]

    def __str__(self) -> str:
        return f"{self.project.reference}: {self.source} → {self.target}"


class NoticeObjection(models.Model):
    """An objection raised during the public notice; approval waits until all are resolved."""

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="objections", verbose_name=_("project")
    )
    received_on = models.DateField(_("received on"))
    summary = models.TextField(_("summary"))
    unit = models.ForeignKey(
        "grants.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
    )
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("notice objection")
        verbose_name_plural = _("notice objections")
        ordering = ["project", "received_on", "id"]

    def __str__(self) -> str:
        return f"{self.project.reference} {self.received_on}"
