"""Document errors. Each carries a stable ``code`` and a translated ``message``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class DocumentsError(Exception):
    code = "documents_error"
    default_message: Any = _("The document operation failed.")

    def __init__(
        self, message: Any = "", *, fields: dict[str, list[str]] | None = None, **params: Any
    ) -> None:
        self.message = message or self.default_message
        self.fields = fields or {}
        self.params = params
        super().__init__(str(self.message))


class NumberingOutsideTransaction(DocumentsError):
    code = "numbering_outside_transaction"
    default_message = _("Numbers are allocated only inside the transaction that uses them.")


class InvalidDocumentRequest(DocumentsError):
    code = "invalid"
    default_message = _("The document request is invalid.")


class IllegalDocumentTransition(DocumentsError):
    code = "illegal_transition"
    default_message = _("This document cannot change that way.")


class DocumentNotRendered(DocumentsError):
    code = "document_not_rendered"
    default_message = _("The document is still being prepared. Try again in a minute.")


class DocumentIntegrityError(DocumentsError):
    code = "document_integrity"
    default_message = _("The stored file does not match its recorded SHA-256.")


class DocumentRenderFailed(DocumentsError):
    code = "document_render_failed"
    default_message = _("The document could not be rendered.")
