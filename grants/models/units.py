"""Units (the dwellings that carry obligations), people, ownership, households, consents.

A cost share, an entry price or a volunteer payment belongs to the UNIT: when the flat is
sold, the owner on record changes (a new ``Ownership``) and the obligations stay.

People are deduplicated by the keyed hash of their ID number (``Person.id_number_hash``);
the number itself is stored encrypted and shown masked. Health, disability and income data
live in ``SensitiveRecord`` as ciphertext and are read only through
``grants.selectors.sensitive_data_read``, which requires the person's recorded consent.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from grants.costshare import ShareRole
from grants.crypto import mask_id_number, mask_name, mask_phone
from grants.models.costshare import COST_ROLE_CHOICES
from grants.models.fields import EncryptedTextField


class PersonKind(models.TextChoices):
    INDIVIDUAL = "individual", _("individual")
    ORGANISATION = "organisation", _("organisation")


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("resident identity card")
    OTHER = "other", _("other identity document")


class Sex(models.TextChoices):
    FEMALE = "F", _("female")
    MALE = "M", _("male")


class Person(models.Model):
    kind = models.CharField(
        _("kind"), max_length=16, choices=PersonKind.choices, default=PersonKind.INDIVIDUAL
    )
    full_name = models.CharField(_("full name"), max_length=100)
    id_type = models.CharField(_("ID type"), max_length=16, choices=IdType.choices, blank=True)
    id_number = EncryptedTextField(_("ID number"), blank=True, context="grants.person.id_number")
    id_number_hash = models.CharField(
        _("ID number keyed hash"), max_length=64, null=True, blank=True, unique=True, editable=False
    )
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    phone = EncryptedTextField(_("phone"), blank=True, context="grants.person.phone")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number or "")

    @property
    def name_masked(self) -> str:
        return mask_name(self.full_name)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone or "")


class Unit(models.Model):
    project = models.ForeignKey(
        "grants.Project", on_delete=models.PROTECT, related_name="units", verbose_name=_("project")
    )
    label = models.CharField(_("unit"), max_length=16)
    floor = models.PositiveSmallIntegerField(_("floor"), validators=[MinValueValidator(1)])
    exclusive_area = models.DecimalField(_("exclusive area (m²)"), max_digits=8, decimal_places=2)
    is_shop = models.BooleanField(_("shop"), default=False)
    exclusive_part_used = models.BooleanField(
        _("lift uses its exclusive part"),
        default=False,
        help_text=_("e.g. its ground-floor yard: its owner's own consent is then required"),
    )
    cost_role = models.CharField(
        _("cost role"),
        max_length=16,
        choices=COST_ROLE_CHOICES,
        default=ShareRole.CONTRIBUTOR.value,
    )
    joined_late_on = models.DateField(_("joined late on"), null=True, blank=True)
    entry_price_paid_minor = models.BigIntegerField(
        _("entry price paid (fen)"), null=True, blank=True
    )
    agreed_share_minor = models.BigIntegerField(
        _("agreed share (fen)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Used by the manual split."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["project", "floor", "label", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "label"], name="unit_label_unique"),
            models.CheckConstraint(condition=Q(floor__gte=1), name="unit_floor_positive"),
            models.CheckConstraint(condition=Q(exclusive_area__gt=0), name="unit_area_positive"),
            models.CheckConstraint(
                condition=Q(agreed_share_minor__isnull=True) | Q(agreed_share_minor__gte=0),
                name="unit_agreed_share_nonnegative",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class Ownership(models.Model):
    """A person on the property register for a unit, from ``since`` until ``until``."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="ownerships", verbose_name=_("unit")
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="ownerships", verbose_name=_("owner")
    )
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ownership")
        verbose_name_plural = _("ownerships")
        ordering = ["unit", "since", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "person"],
                condition=Q(until__isnull=True),
                name="ownership_current_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit}: {self.person}"


class Household(models.Model):
    """The people living in a unit. A new household starts when the occupants change wholly
    (e.g. after a sale); the unit's obligations are not the household's."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="households", verbose_name=_("unit")
    )
    is_primary_residence = models.BooleanField(_("primary residence"), default=True)
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["unit", "since", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit"], condition=Q(until__isnull=True), name="household_current_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit.project.reference} {self.unit}"


class Relationship(models.TextChoices):
    SELF = "self", _("householder")
    SPOUSE = "spouse", _("spouse")
    CHILD = "child", _("child")
    CHILD_IN_LAW = "child_in_law", _("child-in-law")
    GRANDCHILD = "grandchild", _("grandchild")
    PARENT = "parent", _("parent")
    SIBLING = "sibling", _("sibling")
    OTHER_RELATIVE = "other_relative", _("other relative")
    CARER = "carer", _("live-in carer")
    TENANT = "tenant", _("tenant")
    OTHER = "other", _("other")


class Occupant(models.Model):
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="occupants", verbose_name=_("household")
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="occupancies", verbose_name=_("person")
    )
    relationship = models.CharField(_("relationship"), max_length=16, choices=Relationship.choices)
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("occupant")
        verbose_name_plural = _("occupants")
        ordering = ["household", "since", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "person"],
                condition=Q(until__isnull=True),
                name="occupant_current_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_relationship_display()})"


class SensitiveKind(models.TextChoices):
    HEALTH = "health", _("health and disability")
    INCOME = "income", _("income status")


class SensitiveDataConsent(models.Model):
    """The person's separate consent to process one kind of sensitive data (PIPL)."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="consents", verbose_name=_("person")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=SensitiveKind.choices)
    given_on = models.DateField(_("given on"))
    evidence_note = models.CharField(_("evidence"), max_length=200, blank=True)
    evidence_document = models.ForeignKey(
        "grants.ProjectDocument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed form"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)

    class Meta:
        verbose_name = _("sensitive data consent")
        verbose_name_plural = _("sensitive data consents")
        ordering = ["person", "kind", "given_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind"],
                condition=Q(withdrawn_on__isnull=True),
                name="consent_active_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind}"


class SensitiveRecord(models.Model):
    """Encrypted JSON of one kind of sensitive data; decrypted only by the selector."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="sensitive_records", verbose_name=_("person")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=SensitiveKind.choices)
    payload_encrypted = models.TextField(_("encrypted data"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        verbose_name = _("sensitive record")
        verbose_name_plural = _("sensitive records")
        constraints = [
            models.UniqueConstraint(fields=["person", "kind"], name="sensitive_record_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind}"
