"""Celery tasks: ids in, one service call, idempotent (a redelivered message changes nothing)."""

from __future__ import annotations

import datetime

from celery import shared_task
from celery.app.task import Task

from documents.exceptions import DocumentRenderFailed
from documents.models import IssuedDocument
from documents.selectors import documents_render_pending
from documents.services import document_render, document_render_enqueue

RENDER_MAX_RETRIES = 6
SWEEP_AFTER = datetime.timedelta(minutes=10)


@shared_task(bind=True, name="documents.document_render_task", max_retries=RENDER_MAX_RETRIES)
def document_render_task(self: Task, document_id: int) -> str:
    """Render and store one document's PDF; retried with back-off (30 s .. ~30 min)."""
    try:
        # document_render loads the row itself; a stub saves a query per receipt.
        document = document_render(document=IssuedDocument(pk=document_id))
    except IssuedDocument.DoesNotExist:
        return "missing"
    except DocumentRenderFailed as exc:
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc
    return document.sha256


@shared_task(name="documents.documents_render_pending_task")
def documents_render_pending_task() -> int:
    """Re-queue documents whose rendering never finished (retries exhausted, broker lost)."""
    ids = documents_render_pending(older_than=SWEEP_AFTER)
    for document_id in ids:
        document_render_enqueue(document_id)
    return len(ids)
