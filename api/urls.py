"""/api/v1/ routes. Later issues append their endpoints here."""

from django.urls import path

from api.views.core import MeApi, RoleListApi

app_name = "api"

urlpatterns = [
    path("me/", MeApi.as_view(), name="me"),
    path("roles/", RoleListApi.as_view(), name="roles"),
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
