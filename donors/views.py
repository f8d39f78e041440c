"""Public pages (campaigns, giving, thank-you, demo checkout) and the donor portal.

Plain Django views and templates: each view validates a form, calls one service and renders.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from config.roles import Role, has_role
from donors import selectors, stripe_gateway
from donors.demo_checkout import demo_checkout_complete, demo_mode
from donors.exceptions import CampaignClosed, InvalidGift, OnlineGivingNotConfigured
from donors.forms import GiveForm, PortalLoginForm
from donors.models import Campaign, CampaignKind, Donation, DonationStatus, RecurringGift
from donors.receipts_selectors import donor_receipts, donor_statements
from donors.services.giving import fee_to_cover, gift_start
from donors.services.portal import (
    PortalLinkInvalid,
    portal_link_redeem,
    portal_link_send,
    recurring_cancel,
)


def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = [(c, selectors.campaign_progress(campaign=c)) for c in selectors.campaigns_listed()]
    return render(
        request,
        "donors/campaign_list.html",
        {"campaigns": campaigns, "organisation": selectors.organisation_get()},
    )


def campaign_detail(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = selectors.campaign_public_get(slug=slug)
    if campaign is None:
        raise Http404
    return _campaign_page(request, campaign)


def campaign_invite(request: HttpRequest, token: str) -> HttpResponse:
    campaign = selectors.campaign_by_invite(token=token)
    if campaign is None:
        raise Http404
    return _campaign_page(request, campaign)


def _campaign_url(campaign: Campaign) -> str:
    if campaign.kind == CampaignKind.TARGETED:
        return reverse("donors:campaign-invite", args=[campaign.invite_token])
    return reverse("donors:campaign", args=[campaign.slug])


def _campaign_page(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    accepting = selectors.campaign_accepts_gifts(campaign)
    configured = stripe_gateway.is_configured() or demo_mode()
    problem = ""
    status = 200
    form = GiveForm(request.POST or None, campaign=campaign)
    if request.method == "POST":
        if not accepting:
            problem = str(CampaignClosed.default_message)
        elif form.is_valid():
            page = request.build_absolute_uri(_campaign_url(campaign))
            thanks = request.build_absolute_uri(
                reverse("donors:thanks", args=["00000000-0000-0000-0000-000000000000"])
            ).replace("00000000-0000-0000-0000-000000000000", "{reference}")
            try:
                start = gift_start(
                    campaign=campaign,
                    gift=form.gift(),
                    success_url=thanks,
                    cancel_url=f"{page}?cancelled=1",
                )
            except InvalidGift as exc:
                form.add_service_errors(exc.fields)
            except (OnlineGivingNotConfigured, CampaignClosed) as exc:
                problem = str(exc.message)
            else:
                if start.demo:
                    return redirect("donors:demo-checkout", reference=start.reference)
                return HttpResponseRedirect(start.checkout_url)
        if form.errors or problem:
            status = 400
    context: dict[str, Any] = {
        "campaign": campaign,
        "progress": selectors.campaign_progress(campaign=campaign),
        "supporters": selectors.campaign_recent_supporters(campaign=campaign),
        "organisation": selectors.organisation_get(),
        "form": form,
        "accepting": accepting,
        "configured": configured,
        "problem": problem,
        "cancelled": request.GET.get("cancelled") == "1",
        "fee_example": fee_to_cover(amount_minor=10000),
        "page_url": _campaign_url(campaign),
    }
    return render(request, "donors/campaign_detail.html", context, status=status)


def _gift_by_reference(reference: str) -> Donation | RecurringGift:
    donation = Donation.objects.select_related("campaign").filter(reference=reference).first()
    if donation:
        return donation
    return get_object_or_404(RecurringGift.objects.select_related("campaign"), reference=reference)


@require_http_methods(["GET", "POST"])
def demo_checkout(request: HttpRequest, reference: str) -> HttpResponse:
    if not demo_mode() or stripe_gateway.is_configured():
        raise Http404
    gift = _gift_by_reference(reference)
    if request.method == "POST":
        if isinstance(gift, Donation):
            if gift.status == DonationStatus.PENDING:
                demo_checkout_complete(donation=gift)
        elif not gift.stripe_subscription_id:
            demo_checkout_complete(recurring=gift)
        return redirect("donors:thanks", reference=reference)
    return render(
        request,
        "donors/demo_checkout.html",
        {
            "gift": gift,
            "monthly": isinstance(gift, RecurringGift),
            "charged": gift.amount_minor + gift.fee_covered_minor,
        },
    )


def thanks(request: HttpRequest, reference: str) -> HttpResponse:
    gift = _gift_by_reference(reference)
    campaign = gift.campaign
    return render(
        request,
        "donors/thanks.html",
        {
            "gift": gift,
            "monthly": isinstance(gift, RecurringGift),
            "charged": gift.amount_minor + gift.fee_covered_minor,
            "campaign": campaign,
            "progress": selectors.campaign_progress(campaign=campaign),
            "page_url": _campaign_url(campaign),
        },
    )


# Portal -------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def portal_login(request: HttpRequest) -> HttpResponse:
    form = PortalLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        portal_link_send(
            email=form.cleaned_data["email"],
            build_url=lambda token: request.build_absolute_uri(
                reverse("donors:portal-redeem", args=[token])
            ),
        )
        return render(request, "donors/portal_link_sent.html")
    return render(request, "donors/portal_login.html", {"form": form})


@require_http_methods(["GET", "POST"])
def portal_redeem(request: HttpRequest, token: str) -> HttpResponse:
    # GET only shows a button: mail scanners that open links must not use them up.
    if request.method == "POST":
        try:
            user = portal_link_redeem(token=token)
        except PortalLinkInvalid as exc:
            context = {"form": PortalLoginForm(), "problem": exc.message}
            return render(request, "donors/portal_login.html", context, status=400)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("donors:portal")
    return render(request, "donors/portal_redeem.html", {"token": token})


def _portal_donor(request: HttpRequest) -> Any:
    if not has_role(request.user, Role.DONOR):
        return None
    return selectors.donor_for_user(request.user)


def portal_home(request: HttpRequest) -> HttpResponse:
    donor = _portal_donor(request)
    if donor is None:
        return redirect("donors:portal-login")
    return render(
        request,
        "donors/portal_home.html",
        {
            "donor": donor,
            "donations": selectors.donor_donations(donor=donor),
            "monthly": selectors.donor_recurring_gifts(donor=donor),
            "receipts": donor_receipts(donor=donor),
            "statements": donor_statements(donor=donor),
        },
    )


@require_POST
def portal_cancel_monthly(request: HttpRequest, reference: str) -> HttpResponse:
    donor = _portal_donor(request)
    if donor is None:
        return redirect("donors:portal-login")
    recurring = get_object_or_404(RecurringGift, reference=reference, donor=donor)
    recurring_cancel(recurring=recurring, donor=donor)
    messages.success(request, _("Your monthly gift is cancelled. Thank you for your support."))
    return redirect("donors:portal")


@require_POST
def portal_logout(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("donors:portal-login")
