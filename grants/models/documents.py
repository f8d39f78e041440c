"""Documents on a project's file (uploads are checked by grants.services.documents)."""

from __future__ import annotations

import uuid
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    APPLICATION = "application", _("application")
    INTENT_RECORD = "intent_record", _("intent consultation record")
    PLAN = "plan", _("lift plan")
    COST_SPLIT_PLAN = "cost_split_plan", _("cost-split plan")
    PLAN_RECORD = "plan_record", _("plan consultation record")
    NOTICE_PHOTO = "notice_photo", _("public notice photo")
    OBJECTION_RECORD = "objection_record", _("objection and its handling")
    APPROVAL_LETTER = "approval_letter", _("approval letter")
    CONTRACT = "contract", _("contract")
    CONSTRUCTION_PERMIT = "construction_permit", _("construction permit")
    ACCEPTANCE_CERTIFICATE = "acceptance_certificate", _("acceptance certificate")
    RESIDENT_SIGNOFF = "resident_signoff", _("resident sign-off")
    INVOICE = "invoice", _("invoice")
    VOTE_EVIDENCE = "vote_evidence", _("signed ballot")
    CONSENT_FORM = "consent_form", _("personal data consent form")
    OTHER = "other", _("other")


def document_upload_to(instance: Any, filename: str) -> str:
    # The stored name never carries the original file name (it may contain personal data).
    suffix = PurePath(filename).suffix.lower()
    return f"grants/projects/{instance.project_id}/{uuid.uuid4().hex}{suffix}"


class ProjectDocument(models.Model):
    project = models.ForeignKey(
        "grants.Project",
        on_delete=models.PROTECT,
        related_name="documents",
        verbose_name=_("project"),
    )
    kind = models.CharField(_("kind"), max_length=40, choices=DocumentKind.choices)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=document_upload_to, max_length=200)
    original_name = models.CharField(_("original file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    stage = models.ForeignKey(
        "grants.LifecycleStep",
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("stage at upload"),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("project document")
        verbose_name_plural = _("project documents")
        ordering = ["project", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.title
