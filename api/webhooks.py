"""Stripe webhook: verify the signature, store the event once by its id, enqueue its
processing after commit. Nothing else happens in the request (processing is
``donors.tasks.stripe_event_process_task``).

Answers 400 for a bad signature or body (nothing stored), 200 for everything verified,
including duplicates and event types Liftfund does not handle.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from donors.exceptions import WebhookInvalid
from donors.services.events import stripe_event_receive


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    try:
        received = stripe_event_receive(
            payload=request.body, signature=request.headers.get("Stripe-Signature")
        )
    except WebhookInvalid:
        return JsonResponse({"received": False, "error": "invalid"}, status=400)
    return JsonResponse({"received": True, "duplicate": not received.created})
