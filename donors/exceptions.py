"""Errors of campaigns, donations, Stripe and receipts."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class DonorsError(Exception):
    code = "donors_error"
    default_message: Any = _("The request could not be completed.")

    def __init__(self, message: Any = "", **params: Any) -> None:
        self.message = message or self.default_message
        self.params = params
        self.fields: dict[str, Any] = params.pop("fields", None) or {}
        super().__init__(str(self.message))


class OnlineGivingNotConfigured(DonorsError):
    code = "online_giving_not_configured"
    default_message = _(
        "Online giving is not configured yet. Please give by bank transfer or contact us."
    )


class GatewayError(DonorsError):
    """Stripe answered with an error or could not be reached; worth retrying later."""

    code = "gateway_error"
    default_message = _("The payment processor could not be reached. Please try again.")


class WebhookInvalid(DonorsError):
    code = "invalid_webhook"
    default_message = _("The webhook signature or body is invalid.")


class CampaignClosed(DonorsError):
    code = "campaign_closed"
    default_message = _("This campaign is not accepting gifts.")


class CampaignNotPermitted(DonorsError):
    code = "campaign_not_permitted"
    default_message = _(
        "A public campaign needs the organisation's public-fundraising qualification and a "
        "filed plan reference."
    )


class InvalidGift(DonorsError):
    code = "invalid_gift"
    default_message = _("The gift is not valid.")


class RefundNotPossible(DonorsError):
    code = "refund_not_possible"
    default_message = _("This gift cannot be refunded.")


class DemoModeOnly(DonorsError):
    code = "forbidden"
    default_message = _("The demo checkout is available in development settings only.")


class EventNotReady(DonorsError):
    """The event refers to a payment Liftfund has not seen yet; it waits for it."""

    code = "event_not_ready"

    def __init__(self, waiting_for: str) -> None:
        self.waiting_for = waiting_for
        super().__init__(f"waiting for {waiting_for}")


class ReceiptError(DonorsError):
    """A receipt action that the receipt's state does not allow."""

    code = "receipt_not_possible"
    default_message = _("The receipt cannot be changed this way.")
