"""Campaigns (public read), donations (staff; finance records offline gifts and refunds),
and a donor's own gifts. Each view: input serializer -> one service/selector -> output.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import IsDonor, StaffModelPermissions, require_perm
from api.schema import READ_ERRORS, WRITE_ERRORS
from api.views.receipts import receipt_pdf_url
from config.roles import is_staff_member, sees_personal_data_masked
from donors import selectors
from donors.models import OFFLINE_METHODS, Campaign, Donation, PaymentMethod, mask_email
from donors.services.offline import offline_gift_record
from donors.services.payments import refund_request


class CampaignOutput(serializers.ModelSerializer):
    title = serializers.CharField()
    story = serializers.CharField()
    fund = serializers.CharField(source="fund.code")
    raised_minor = serializers.SerializerMethodField()
    gifts = serializers.SerializerMethodField()
    overflow_policy_label = serializers.CharField(source="get_overflow_policy_display")
    cancellation_policy_label = serializers.CharField(source="get_cancellation_policy_display")

    class Meta:
        model = Campaign
        fields = [
            "slug",
            "kind",
            "status",
            "title",
            "title_zh",
            "title_en",
            "story",
            "fund",
            "goal_minor",
            "currency",
            "raised_minor",
            "gifts",
            "starts_on",
            "ends_on",
            "preset_amounts_minor",
            "allow_monthly",
            "plan_filing_reference",
            "overflow_policy",
            "overflow_policy_label",
            "cancellation_policy",
            "cancellation_policy_label",
        ]

    def get_raised_minor(self, obj: Campaign) -> int:
        return selectors.campaign_progress(campaign=obj).raised_minor

    def get_gifts(self, obj: Campaign) -> int:
        return selectors.campaign_progress(campaign=obj).gifts


def _campaigns_for(request: Request) -> QuerySet[Campaign]:
    if is_staff_member(request.user) and request.user.has_perm("donors.view_campaign"):
        return Campaign.objects.select_related("fund").order_by("-starts_on", "slug")
    return selectors.campaigns_listed()


class CampaignListApi(generics.ListAPIView):
    """Public campaigns for everyone; staff with campaign access see all of them."""

    permission_classes = [AllowAny]
    serializer_class = CampaignOutput
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Campaign]:
        return _campaigns_for(self.request)

    @extend_schema(responses={200: CampaignOutput(many=True)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class CampaignDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: CampaignOutput, 404: READ_ERRORS[403]})
    def get(self, request: Request, slug: str) -> Response:
        campaign = get_object_or_404(_campaigns_for(request), slug=slug)
        return Response(CampaignOutput(campaign).data)


class DonationOutput(serializers.ModelSerializer):
    campaign = serializers.CharField(source="campaign.slug")
    donor_email = serializers.SerializerMethodField()
    donor_name = serializers.SerializerMethodField()
    charged_minor = serializers.IntegerField()
    recorded_by = serializers.CharField(source="recorded_by.username", default=None)
    journal_entry = serializers.IntegerField(source="journal_entry_id", allow_null=True)
    receipt_url = serializers.SerializerMethodField()

    class Meta:
        model = Donation
        fields = [
            "reference",
            "campaign",
            "kind",
            "method",
            "status",
            "amount_minor",
            "fee_covered_minor",
            "charged_minor",
            "currency",
            "settled_amount_minor",
            "settled_fee_minor",
            "settled_currency",
            "refunded_minor",
            "received_on",
            "settled_at",
            "anonymous",
            "dedication",
            "donor_email",
            "donor_name",
            "external_reference",
            "recorded_by",
            "stripe_payment_intent_id",
            "journal_entry",
            "data_processing",
            "transfer_abroad",
            "consented_at",
            "receipt_url",
        ]

    def get_receipt_url(self, obj: Donation) -> str | None:
        return receipt_pdf_url(self.context.get("request"), obj)

    def _masked(self) -> bool:
        request = self.context.get("request")
        return bool(request and sees_personal_data_masked(request.user))

    def get_donor_email(self, obj: Donation) -> str:
        email = obj.donor.email if obj.donor else ""
        return mask_email(email) if email and self._masked() else email

    def get_donor_name(self, obj: Donation) -> str:
        name = obj.donor.name if obj.donor else obj.donor_name
        return (name[:1] + "**" if name else "") if self._masked() else name


class DonationListApi(generics.ListAPIView):
    """All gifts (staff with gift access; auditors see donors masked)."""

    permission_classes = [StaffModelPermissions]
    serializer_class = DonationOutput
    queryset = (
        Donation.objects.select_related("campaign", "donor", "recorded_by")
        .prefetch_related("receipts")
        .order_by("-created_at")
    )
    filterset_fields = ["status", "method", "kind", "campaign__slug"]
    ordering_fields = ["created_at", "received_on", "amount_minor"]

    @extend_schema(responses={200: DonationOutput(many=True), **READ_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class DonationDetailApi(APIView):
    permission_classes = [require_perm("donors.view_donation")]

    @extend_schema(responses={200: DonationOutput, **READ_ERRORS, 404: READ_ERRORS[403]})
    def get(self, request: Request, reference: str) -> Response:
        donation = get_object_or_404(Donation, reference=reference)
        return Response(DonationOutput(donation, context={"request": request}).data)


class OfflineDonationCreateApi(APIView):
    """Record a bank transfer, cash or cheque gift (Finance officer); posts to the ledger."""

    permission_classes = [require_perm("donors.add_donation")]

    class OfflineDonationInputSerializer(serializers.Serializer):
        campaign = serializers.SlugRelatedField(slug_field="slug", queryset=Campaign.objects.all())
        method = serializers.ChoiceField(
            choices=[(m.value, m.label) for m in PaymentMethod if m in OFFLINE_METHODS]
        )
        amount_minor = serializers.IntegerField(min_value=1)
        currency = serializers.CharField(max_length=3)
        received_on = serializers.DateField()
        external_reference = serializers.CharField(required=False, allow_blank=True, default="")
        donor_email = serializers.EmailField(required=False, allow_blank=True, default="")
        donor_name = serializers.CharField(required=False, allow_blank=True, default="")
        anonymous = serializers.BooleanField(required=False, default=False)
        dedication = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(
        request=OfflineDonationInputSerializer, responses={201: DonationOutput, **WRITE_ERRORS}
    )
    def post(self, request: Request) -> Response:
        data = self.OfflineDonationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        donation = offline_gift_record(recorded_by=request.user, **data.validated_data)
        output = DonationOutput(donation, context={"request": request})
        return Response(output.data, status=status.HTTP_201_CREATED)


class DonationRefundApi(APIView):
    """Ask Stripe to refund a gift (all or part); the ledger follows from the webhook."""

    permission_classes = [require_perm("donors.change_donation")]

    class RefundInputSerializer(serializers.Serializer):
        amount_minor = serializers.IntegerField(min_value=1, required=False, allow_null=True)
        reason = serializers.CharField(required=False, allow_blank=True, default="")

    class RefundOutputSerializer(serializers.Serializer):
        stripe_refund_id = serializers.CharField()
        status = serializers.CharField()
        amount_minor = serializers.IntegerField()
        currency = serializers.CharField()

    @extend_schema(
        request=RefundInputSerializer, responses={202: RefundOutputSerializer, **WRITE_ERRORS}
    )
    def post(self, request: Request, reference: str) -> Response:
        donation = get_object_or_404(Donation, reference=reference)
        data = self.RefundInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        refund = refund_request(
            donation=donation,
            amount_minor=data.validated_data.get("amount_minor"),
            requested_by=request.user,
            reason=data.validated_data["reason"],
        )
        output = self.RefundOutputSerializer(refund)
        return Response(output.data, status=status.HTTP_202_ACCEPTED)


class MyGiftOutput(serializers.ModelSerializer):
    campaign = serializers.CharField(source="campaign.slug")
    campaign_title = serializers.CharField(source="campaign.title")
    charged_minor = serializers.IntegerField()
    receipt_url = serializers.SerializerMethodField()

    class Meta:
        model = Donation
        fields = [
            "reference",
            "campaign",
            "campaign_title",
            "kind",
            "method",
            "status",
            "charged_minor",
            "currency",
            "received_on",
            "anonymous",
            "dedication",
            "receipt_url",
        ]

    def get_receipt_url(self, obj: Donation) -> str | None:
        return receipt_pdf_url(self.context.get("request"), obj)


class MyGiftListApi(generics.ListAPIView):
    """The signed-in donor's own gifts (Donor role)."""

    permission_classes = [IsDonor]
    serializer_class = MyGiftOutput
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Donation]:
        donor = selectors.donor_for_user(self.request.user)
        if donor is None:
            return Donation.objects.none()
        return selectors.donor_donations(donor=donor)

    @extend_schema(responses={200: MyGiftOutput(many=True), **READ_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
