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

# fund: the ledger, read-only (issue 3)
from api.views import fund as fund_views  # noqa: E402

urlpatterns += [
    path("fund/funds/", fund_views.FundListApi.as_view(), name="fund-list"),
    path("fund/funds/<slug:code>/", fund_views.FundDetailApi.as_view(), name="fund-detail"),
    path(
        "fund/funds/<slug:code>/statement/",
        fund_views.FundStatementApi.as_view(),
        name="fund-statement",
    ),
    path(
        "fund/journal-entries/",
        fund_views.JournalEntryListApi.as_view(),
        name="fund-journal-entries",
    ),
    path("fund/trial-balance/", fund_views.TrialBalanceApi.as_view(), name="fund-trial-balance"),
    path(
        "fund/financial-position/",
        fund_views.FinancialPositionApi.as_view(),
        name="fund-financial-position",
    ),
]
