"""Stripe webhook: verify the signature, store the event once by its id, enqueue its
processing after commit. Nothing else happens in the request (processing is
``donors.tasks.stripe_event_process_task``).

Answers 400 for a bad signature or body (nothing stored), 200 for everything verified,
including duplicates and event types Liftfund does not handle.

Stripe sends every event here, so the request is kept lean: no request-wide transaction
(``ATOMIC_REQUESTS``; storing is one statement, committed on its own, and the task is
queued after it), and the few possible answers are prebuilt bytes.
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from donors.exceptions import WebhookInvalid
from donors.services.events import stripe_event_receive

RECEIVED = b'{"received": true, "duplicate": false}'
DUPLICATE = b'{"received": true, "duplicate": true}'
INVALID = b'{"received": false, "error": "invalid"}'


@csrf_exempt
@require_POST
@transaction.non_atomic_requests
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    try:
        received = stripe_event_receive(
            payload=request.body, signature=request.META.get("HTTP_STRIPE_SIGNATURE")
        )
    except WebhookInvalid:
        return HttpResponse(INVALID, status=400, content_type="application/json")
    body = RECEIVED if received.created else DUPLICATE
    return HttpResponse(body, content_type="application/json")
