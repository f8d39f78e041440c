"""/api/v1/ routes. Later issues append their endpoints here."""

from django.urls import path

from api.views.core import MeApi, RoleListApi
from api.views.donors import (
    CampaignDetailApi,
    CampaignListApi,
    DonationDetailApi,
    DonationListApi,
    DonationRefundApi,
    MyGiftListApi,
    OfflineDonationCreateApi,
)

app_name = "api"

urlpatterns = [
    path("me/", MeApi.as_view(), name="me"),
    path("roles/", RoleListApi.as_view(), name="roles"),
    path("campaigns/", CampaignListApi.as_view(), name="campaign-list"),
    path("campaigns/<slug:slug>/", CampaignDetailApi.as_view(), name="campaign-detail"),
    path("donations/", DonationListApi.as_view(), name="donation-list"),
    path("donations/offline/", OfflineDonationCreateApi.as_view(), name="donation-offline"),
    path("donations/<uuid:reference>/", DonationDetailApi.as_view(), name="donation-detail"),
    path("donations/<uuid:reference>/refund/", DonationRefundApi.as_view(), name="donation-refund"),
    path("me/gifts/", MyGiftListApi.as_view(), name="my-gifts"),
]
