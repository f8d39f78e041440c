"""The two owners' consultations (双征询) and each unit's vote."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from grants.consent import Choice
from grants.models.projects import ConsultationKind

CHOICE_LABELS = [
    (Choice.AGREE.value, _("agree")),
    (Choice.OPPOSE.value, _("oppose")),
    (Choice.ABSTAIN.value, _("abstain")),
    (Choice.ABSENT.value, _("absent")),
]


class Consultation(models.Model):
    """One round of the intent or plan consultation. Closing it freezes the figures."""

    project = models.ForeignKey(
        "grants.Project",
        on_delete=models.PROTECT,
        related_name="consultations",
        verbose_name=_("project"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ConsultationKind.choices)
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    opened_on = models.DateField(_("opened on"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("opened by"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    figures = models.JSONField(_("figures at closing"), default=dict, blank=True)

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["project", "opened_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "kind", "round"], name="consultation_round_unique"
            ),
            models.UniqueConstraint(
                fields=["project", "kind"],
                condition=Q(closed_at__isnull=True),
                name="consultation_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.reference} {self.get_kind_display()} #{self.round}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Vote(models.Model):
    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, related_name="votes", verbose_name=_("consultation")
    )
    unit = models.ForeignKey(
        "grants.Unit", on_delete=models.PROTECT, related_name="votes", verbose_name=_("unit")
    )
    voter = models.ForeignKey(
        "grants.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="votes",
        verbose_name=_("voter"),
    )
    choice = models.CharField(_("vote"), max_length=16, choices=CHOICE_LABELS)
    voted_on = models.DateField(_("voted on"))
    evidence_note = models.CharField(_("evidence"), max_length=200, blank=True)
    evidence_document = models.ForeignKey(
        "grants.ProjectDocument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("evidence document"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        ordering = ["consultation", "unit__floor", "unit__label"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "unit"], name="vote_unit_unique")
        ]

    def __str__(self) -> str:
        return f"{self.unit}: {self.choice}"
