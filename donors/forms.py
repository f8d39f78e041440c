"""Forms of the public pages, the portal and admin. Messages are translated at render time."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from donors.models import OFFLINE_METHODS, Campaign, PaymentMethod
from donors.services.giving import GiftRequest

CUSTOM = "custom"
ONCE = "once"
MONTHLY = "monthly"

AMOUNT_REQUIRED = _("Choose an amount or enter your own.")
AMOUNT_INVALID = _("Enter an amount like 100 or 100.50.")
WRONG_CURRENCY = _("Enter the amount in %(currency)s.")


def parse_amount(text: str, currency: str) -> int:
    """Minor units from what a person typed; ``forms.ValidationError`` if it is not money."""
    from fund.exceptions import FundError
    from fund.money import Money

    try:
        value = Money.parse(text, currency)
    except FundError as exc:
        raise forms.ValidationError(exc.message or AMOUNT_INVALID, code="invalid_amount") from exc
    if value.currency != currency:
        raise forms.ValidationError(
            WRONG_CURRENCY, code="wrong_currency", params={"currency": currency}
        )
    return int(value.amount_minor)


class GiveForm(forms.Form):
    amount = forms.ChoiceField(label=_("Amount"), widget=forms.RadioSelect, required=False)
    custom_amount = forms.CharField(
        label=_("Other amount"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "100"}),
    )
    frequency = forms.ChoiceField(
        label=_("How often"),
        choices=[(ONCE, _("Once")), (MONTHLY, _("Every month"))],
        initial=ONCE,
        widget=forms.RadioSelect,
    )
    cover_fee = forms.BooleanField(label=_("I will cover the processing fee"), required=False)
    anonymous = forms.BooleanField(label=_("Show my gift as anonymous"), required=False)
    dedication = forms.CharField(
        label=_("Dedication (optional)"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("In honour of ...")}),
    )
    name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(label=_("Email (for your receipt and sign-in)"))
    consent_data_processing = forms.BooleanField(
        label=_(
            "I agree that the foundation processes my name, email and gift to record it, "
            "issue receipts and report to me."
        ),
        required=True,
        error_messages={"required": _("Please agree to this to give online.")},
    )
    consent_transfer_abroad = forms.BooleanField(
        label=_(
            "I agree that my payment details and email go to the payment processor "
            "Stripe, Inc., outside mainland China, to process this payment."
        ),
        required=True,
        error_messages={"required": _("Please agree to this to give online.")},
    )

    def __init__(self, *args: Any, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        from donors.templatetags.donors_tags import money

        presets = [int(p) for p in campaign.preset_amounts_minor or [] if int(p) > 0]
        choices: list[tuple[str, Any]] = [(str(p), money(p, campaign.currency)) for p in presets]
        choices.append((CUSTOM, _("Other")))
        cast(forms.ChoiceField, self.fields["amount"]).choices = choices
        if presets:
            self.fields["amount"].initial = str(presets[min(1, len(presets) - 1)])
        if not campaign.allow_monthly:
            cast(forms.ChoiceField, self.fields["frequency"]).choices = [(ONCE, _("Once"))]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        choice = data.get("amount") or ""
        custom = (data.get("custom_amount") or "").strip()
        if custom and choice in ("", CUSTOM):
            try:
                data["amount_minor"] = parse_amount(custom, self.campaign.currency)
            except forms.ValidationError as exc:
                self.add_error("custom_amount", exc)
        elif choice and choice != CUSTOM:
            data["amount_minor"] = int(choice)
        else:
            self.add_error("custom_amount", forms.ValidationError(AMOUNT_REQUIRED))
        return data

    def gift(self) -> GiftRequest:
        data = self.cleaned_data
        return GiftRequest(
            amount_minor=data["amount_minor"],
            monthly=data.get("frequency") == MONTHLY,
            cover_fee=bool(data.get("cover_fee")),
            anonymous=bool(data.get("anonymous")),
            dedication=data.get("dedication") or "",
            email=data["email"],
            name=data["name"],
            consent_data_processing=bool(data.get("consent_data_processing")),
            consent_transfer_abroad=bool(data.get("consent_transfer_abroad")),
            language=get_language() or "zh-hans",
        )

    def add_service_errors(self, fields: dict[str, list[str]]) -> None:
        for field, messages in fields.items():
            target = field if field in self.fields else None
            if field == "amount":
                target = "custom_amount"
            for message in messages:
                self.add_error(target, message)


class PortalLoginForm(forms.Form):
    email = forms.EmailField(label=_("Email you gave with"))


class OfflineGiftForm(forms.Form):
    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=Campaign.objects.all())
    method = forms.ChoiceField(
        label=_("Received by"),
        choices=[(m.value, m.label) for m in PaymentMethod if m in OFFLINE_METHODS],
    )
    amount = forms.CharField(label=_("Amount"), max_length=30)
    received_on = forms.DateField(
        label=_("Received on"), initial=timezone.localdate, widget=forms.DateInput({"type": "date"})
    )
    external_reference = forms.CharField(
        label=_("Bank, receipt or cheque reference"), required=False, max_length=200
    )
    donor_name = forms.CharField(label=_("Donor name"), required=False, max_length=200)
    donor_email = forms.EmailField(label=_("Donor email"), required=False)
    anonymous = forms.BooleanField(label=_("Anonymous"), required=False)
    dedication = forms.CharField(label=_("Dedication"), required=False, max_length=200)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        campaign = data.get("campaign")
        if campaign and data.get("amount"):
            try:
                data["amount_minor"] = parse_amount(data["amount"], campaign.currency)
            except forms.ValidationError as exc:
                self.add_error("amount", exc)
        return data


class RefundForm(forms.Form):
    amount = forms.CharField(
        label=_("Amount to refund"),
        required=False,
        max_length=30,
        help_text=_("Leave empty to refund everything not yet refunded."),
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)
