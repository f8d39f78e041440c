"""Issued documents: gap-free numbers, an immutable stored PDF, public verification.

Design overview
---------------
``DocumentSeries`` names a numbering series ("LF") and how its numbers look (prefix, width,
pattern). ``NumberCounter`` holds the last sequence per (series, year); the allocator locks
that row (``select_for_update``) inside the caller's transaction, so a rolled-back
transaction gives its number back and concurrent issuers queue instead of colliding.
Every allocated number gets an ``IssuedNumber`` row in the same transaction: the register
auditors read. A number is never reused and its register row is never deleted; a void keeps
its number with status ``void`` or ``replaced``.

``IssuedDocument`` is one printed document: the original (which owns the number) or a
duplicate copy (``duplicate_of`` set; same number, marked 副本 / DUPLICATE on the page). It
stores the JSON snapshot the PDF was rendered from, the public summary the verification page
shows, and the PDF file with its SHA-256. Once rendered, the file, hash and everything the
file was made from never change: the services refuse it and database triggers reject such
updates (and, on PostgreSQL, any delete).
"""

from __future__ import annotations

import string

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from documents.storage import document_storage

PATTERN_FIELDS = frozenset({"prefix", "year", "sequence"})


def number_pattern_validate(value: str) -> None:
    """A number pattern may use only ``{prefix}``, ``{year}`` and ``{sequence}``."""
    try:
        fields = {name for _lit, name, _spec, _conv in string.Formatter().parse(value) if name}
    except ValueError as exc:
        raise ValidationError(_("Invalid number pattern.")) from exc
    if "sequence" not in fields or not fields <= PATTERN_FIELDS:
        raise ValidationError(
            _("The pattern must contain {sequence} and may use only {prefix} and {year}.")
        )


class DocumentKind(models.TextChoices):
    RECEIPT = "receipt", _("Donation receipt")
    ANNUAL_STATEMENT = "annual_statement", _("Annual donation statement")
    AWARD_LETTER = "award_letter", _("Award letter")
    DISBURSEMENT_VOUCHER = "disbursement_voucher", _("Disbursement voucher")
    OTHER = "other", _("Other document")


class DocumentStatus(models.TextChoices):
    ISSUED = "issued", _("Valid")
    VOID = "void", _("Void")
    REPLACED = "replaced", _("Replaced")


class RenderStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to render")
    RENDERED = "rendered", _("Rendered")
    FAILED = "failed", _("Rendering failed (will retry)")


class DocumentLanguage(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


class DocumentSeries(models.Model):
    code = models.CharField(
        _("code"),
        max_length=16,
        unique=True,
        validators=[RegexValidator(r"^[A-Z][A-Z0-9]{0,15}$", _("Capital letters and digits."))],
        help_text=_("Used by the code that issues documents, e.g. LF."),
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("printed prefix"), max_length=16)
    width = models.PositiveSmallIntegerField(
        _("sequence digits"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    pattern = models.CharField(
        _("number pattern"),
        max_length=64,
        default="{prefix}-{year}-{sequence}",
        validators=[number_pattern_validate],
        help_text=_("Applies to numbers allocated from now on; issued numbers never change."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("document number series")
        verbose_name_plural = _("document number series")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(width__gte=1, width__lte=12), name="documents_series_width_range"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def number_format(self, *, year: int, sequence: int) -> str:
        """``LF``, 2026, 123 -> ``LF-2026-000123`` with the default pattern and width 6."""
        return self.pattern.format(
            prefix=self.prefix, year=year, sequence=str(sequence).zfill(self.width)
        )


class NumberCounter(models.Model):
    series = models.ForeignKey(
        DocumentSeries, on_delete=models.PROTECT, related_name="counters", verbose_name=_("series")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    last_sequence = models.PositiveIntegerField(_("last sequence"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("number counter")
        verbose_name_plural = _("number counters")
        ordering = ["series", "year"]
        constraints = [
            models.UniqueConstraint(fields=["series", "year"], name="documents_counter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.series_id}/{self.year}: {self.last_sequence}"


class IssuedNumber(models.Model):
    """The number register: one row per allocated number, never deleted."""

    series = models.ForeignKey(
        DocumentSeries, on_delete=models.PROTECT, related_name="numbers", verbose_name=_("series")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("number"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=32, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=DocumentStatus.choices, default=DocumentStatus.ISSUED
    )
    allocated_at = models.DateTimeField(_("allocated at"), auto_now_add=True)

    class Meta:
        verbose_name = _("issued number")
        verbose_name_plural = _("number register")
        ordering = ["series", "year", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "year", "sequence"], name="documents_number_unique_sequence"
            ),
            models.CheckConstraint(condition=Q(sequence__gte=1), name="documents_number_positive"),
        ]

    def __str__(self) -> str:
        return self.number


def document_upload_to(instance: IssuedDocument, filename: str) -> str:
    # Services always pass a full name; this only satisfies FileField.
    return filename


class IssuedDocument(models.Model):
    number_entry = models.ForeignKey(
        IssuedNumber,
        on_delete=models.PROTECT,
        related_name="documents",
        verbose_name=_("register entry"),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=DocumentKind.choices)
    series = models.CharField(_("series"), max_length=16)
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("number"), max_length=64, db_index=True)
    language = models.CharField(_("language"), max_length=10, choices=DocumentLanguage.choices)
    template_name = models.CharField(_("template"), max_length=200)
    context = models.JSONField(_("rendering context"))
    verification_code = models.CharField(_("verification code"), max_length=16, db_index=True)

    # Public summary: the only data the verification page shows.
    title = models.CharField(_("title"), max_length=200)
    holder_name_masked = models.CharField(_("holder (masked)"), max_length=100, blank=True)
    amount_minor = models.BigIntegerField(_("amount (minor units)"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    document_date = models.DateField(_("date"), null=True, blank=True)

    status = models.CharField(
        _("status"), max_length=16, choices=DocumentStatus.choices, default=DocumentStatus.ISSUED
    )
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
    replaced_by = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaces",
        verbose_name=_("replaced by"),
    )
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )

    pdf = models.FileField(
        _("PDF file"),
        upload_to=document_upload_to,
        storage=document_storage,
        max_length=255,
        blank=True,
    )
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size_bytes = models.PositiveIntegerField(_("size (bytes)"), null=True, blank=True)
    rendered_at = models.DateTimeField(_("rendered at"), null=True, blank=True)
    render_status = models.CharField(
        _("rendering"), max_length=16, choices=RenderStatus.choices, default=RenderStatus.PENDING
    )
    render_error = models.TextField(_("last rendering error"), blank=True)
    render_attempts = models.PositiveSmallIntegerField(_("rendering attempts"), default=0)

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
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("download_issueddocument", _("Can download issued documents")),
            ("duplicate_issueddocument", _("Can print duplicate copies")),
            ("void_issueddocument", _("Can void issued documents")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["number_entry"],
                condition=Q(duplicate_of__isnull=True),
                name="documents_one_original_per_number",
            ),
            models.UniqueConstraint(
                fields=["verification_code"],
                condition=Q(duplicate_of__isnull=True),
                name="documents_verification_code_unique",
            ),
            models.CheckConstraint(
                condition=Q(status=DocumentStatus.ISSUED, voided_at__isnull=True)
                | (
                    ~Q(status=DocumentStatus.ISSUED)
                    & Q(voided_at__isnull=False)
                    & ~Q(void_reason="")
                ),
                name="documents_void_has_reason_and_time",
            ),
            models.CheckConstraint(
                condition=Q(status=DocumentStatus.REPLACED, replaced_by__isnull=False)
                | (~Q(status=DocumentStatus.REPLACED) & Q(replaced_by__isnull=True)),
                name="documents_replaced_has_replacement",
            ),
            models.CheckConstraint(
                condition=~Q(render_status=RenderStatus.RENDERED)
                | (Q(sha256__regex=r"^[0-9a-f]{64}$") & ~Q(pdf="") & Q(size_bytes__isnull=False)),
                name="documents_rendered_has_file",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} (copy)" if self.duplicate_of_id else self.number

    @property
    def is_duplicate(self) -> bool:
        return self.duplicate_of_id is not None

    @property
    def is_rendered(self) -> bool:
        return self.render_status == RenderStatus.RENDERED
