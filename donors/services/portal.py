"""Donor portal: passwordless sign-in by emailed link, and cancelling a monthly gift.

A link carries a signed, timestamped token naming a ``PortalLink`` row; it works once
(``used_at``) and for ``LINK_MAX_AGE`` only. Asking for a link never reveals whether an
email address belongs to a donor.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.roles import Role
from donors import stripe_gateway
from donors.demo_checkout import demo_mode, demo_subscription_cancel
from donors.exceptions import DonorsError, OnlineGivingNotConfigured
from donors.models import Donor, PortalLink, RecurringGift, RecurringStatus

LINK_MAX_AGE = 30 * 60
SALT = "donors.portal.link"


class PortalLinkInvalid(DonorsError):
    code = "portal_link_invalid"
    default_message = gettext_lazy(
        "This sign-in link is invalid, expired or already used. Ask for a new one."
    )


class NotYourGift(DonorsError):
    code = "forbidden"
    default_message = gettext_lazy("This monthly gift is not yours.")


@transaction.atomic
def portal_link_send(*, email: str, build_url: Callable[[str], str]) -> bool:
    """Email a sign-in link if a donor has this address. Returns whether one was sent."""
    donor = Donor.objects.filter(email__iexact=(email or "").strip()).first()
    if donor is None:
        return False
    link = PortalLink.objects.create(donor=donor, nonce=secrets.token_urlsafe(32))
    token = signing.dumps({"d": donor.pk, "n": link.nonce}, salt=SALT)
    url = build_url(token)
    with translation.override(donor.language or "zh-hans"):
        send_mail(
            subject=_("Your sign-in link"),
            message=_(
                "Open this link within 30 minutes to see your gifts:\n\n%(url)s\n\n"
                "If you did not ask for it, ignore this email."
            )
            % {"url": url},
            from_email=None,
            recipient_list=[donor.email],
        )
    return True


@transaction.atomic
def portal_link_redeem(*, token: str) -> Any:
    """The donor's portal user for a valid, unused link; marks the link used."""
    try:
        data = signing.loads(token, salt=SALT, max_age=LINK_MAX_AGE)
        nonce, donor_id = str(data["n"]), int(data["d"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise PortalLinkInvalid() from exc
    link = (
        PortalLink.objects.select_for_update(of=("self",))
        .select_related("donor")
        .filter(nonce=nonce, donor_id=donor_id, used_at__isnull=True)
        .first()
    )
    if link is None:
        raise PortalLinkInvalid()
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    return donor_user_ensure(donor=link.donor)


def donor_user_ensure(*, donor: Donor) -> Any:
    """The donor's login (Donor role, no password), created on first sign-in."""
    if donor.user_id:
        return donor.user
    User = get_user_model()
    user = User.objects.create(username=f"donor-{donor.pk}", email=donor.email)
    user.set_unusable_password()
    user.save()
    group, _created = Group.objects.get_or_create(name=Role.DONOR.value)
    user.groups.add(group)
    donor.user = user
    donor.save(update_fields=["user"])
    return user


@transaction.atomic
def recurring_cancel(*, recurring: RecurringGift, donor: Donor | None) -> RecurringGift:
    """Stop a monthly gift at Stripe; ``customer.subscription.deleted`` confirms it."""
    recurring = RecurringGift.objects.select_for_update().get(pk=recurring.pk)
    if donor is not None and recurring.donor_id != donor.pk:
        raise NotYourGift()
    if recurring.status == RecurringStatus.CANCELLED:
        return recurring
    if recurring.stripe_subscription_id and stripe_gateway.is_configured():
        stripe_gateway.gateway().subscription_cancel(recurring.stripe_subscription_id)
    elif recurring.stripe_subscription_id and demo_mode():
        demo_subscription_cancel(recurring=recurring)
    elif recurring.stripe_subscription_id:
        raise OnlineGivingNotConfigured()
    recurring.status = RecurringStatus.CANCELLED
    recurring.cancelled_at = timezone.now()
    recurring.save(update_fields=["status", "cancelled_at"])
    return recurring
