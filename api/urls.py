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

# grants: the project file (issue 6)
from api.views import grants as grants_views  # noqa: E402

urlpatterns += [
    path("projects/", grants_views.ProjectListApi.as_view(), name="project-list"),
    path("projects/<int:pk>/", grants_views.ProjectDetailApi.as_view(), name="project-detail"),
    path(
        "projects/<int:pk>/transitions/",
        grants_views.ProjectTransitionApi.as_view(),
        name="project-transitions",
    ),
    path(
        "projects/<int:pk>/objections/",
        grants_views.ProjectObjectionApi.as_view(),
        name="project-objections",
    ),
    path(
        "projects/<int:pk>/objections/<int:objection_pk>/resolve/",
        grants_views.ObjectionResolveApi.as_view(),
        name="project-objection-resolve",
    ),
    path(
        "projects/<int:pk>/coefficients/",
        grants_views.ProjectCoefficientsApi.as_view(),
        name="project-coefficients",
    ),
    path(
        "projects/<int:pk>/other-grants/",
        grants_views.ProjectOtherGrantApi.as_view(),
        name="project-other-grants",
    ),
    path("projects/<int:pk>/units/", grants_views.UnitListApi.as_view(), name="unit-list"),
    path(
        "projects/<int:pk>/units/<int:unit_pk>/",
        grants_views.UnitDetailApi.as_view(),
        name="unit-detail",
    ),
    path(
        "projects/<int:pk>/units/<int:unit_pk>/owners/",
        grants_views.UnitOwnersApi.as_view(),
        name="unit-owners",
    ),
    path(
        "projects/<int:pk>/units/<int:unit_pk>/cost-role/",
        grants_views.UnitCostRoleApi.as_view(),
        name="unit-cost-role",
    ),
    path(
        "projects/<int:pk>/units/<int:unit_pk>/join/",
        grants_views.UnitLateJoinApi.as_view(),
        name="unit-late-join",
    ),
    path(
        "projects/<int:pk>/units/<int:unit_pk>/volunteer-payments/",
        grants_views.UnitVolunteerPaymentApi.as_view(),
        name="unit-volunteer-payments",
    ),
    path(
        "projects/<int:pk>/households/",
        grants_views.HouseholdListApi.as_view(),
        name="household-list",
    ),
    path(
        "projects/<int:pk>/households/<int:household_pk>/end/",
        grants_views.HouseholdEndApi.as_view(),
        name="household-end",
    ),
    path(
        "projects/<int:pk>/households/<int:household_pk>/occupants/",
        grants_views.OccupantListApi.as_view(),
        name="occupant-list",
    ),
    path(
        "projects/<int:pk>/households/<int:household_pk>/occupants/<int:occupant_pk>/end/",
        grants_views.OccupantEndApi.as_view(),
        name="occupant-end",
    ),
    path(
        "projects/<int:pk>/consultations/",
        grants_views.ConsultationListApi.as_view(),
        name="consultation-list",
    ),
    path(
        "projects/<int:pk>/consultations/<int:consultation_pk>/",
        grants_views.ConsultationDetailApi.as_view(),
        name="consultation-detail",
    ),
    path(
        "projects/<int:pk>/consultations/<int:consultation_pk>/close/",
        grants_views.ConsultationCloseApi.as_view(),
        name="consultation-close",
    ),
    path(
        "projects/<int:pk>/consultations/<int:consultation_pk>/votes/",
        grants_views.VoteListApi.as_view(),
        name="vote-list",
    ),
    path(
        "projects/<int:pk>/cost-shares/",
        grants_views.CostShareListApi.as_view(),
        name="costshare-list",
    ),
    path(
        "projects/<int:pk>/cost-shares/<int:version>/",
        grants_views.CostShareDetailApi.as_view(),
        name="costshare-detail",
    ),
    path(
        "projects/<int:pk>/documents/",
        grants_views.DocumentListApi.as_view(),
        name="document-list",
    ),
    path("persons/", grants_views.PersonListApi.as_view(), name="person-list"),
    path(
        "persons/<int:person_pk>/consents/",
        grants_views.PersonConsentApi.as_view(),
        name="person-consents",
    ),
    path(
        "persons/<int:person_pk>/consents/<str:kind>/withdraw/",
        grants_views.PersonConsentWithdrawApi.as_view(),
        name="person-consent-withdraw",
    ),
    path(
        "persons/<int:person_pk>/sensitive/<str:kind>/",
        grants_views.PersonSensitiveApi.as_view(),
        name="person-sensitive",
    ),
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

# receipts (issue 5): metadata for staff, PDFs for the owning donor and for staff who download
from api.views import receipts as receipts_views  # noqa: E402

urlpatterns += [
    path("receipts/", receipts_views.ReceiptListApi.as_view(), name="receipt-list"),
    path("receipts/<int:pk>/", receipts_views.ReceiptDetailApi.as_view(), name="receipt-detail"),
    path("receipts/<int:pk>/pdf/", receipts_views.ReceiptPdfApi.as_view(), name="receipt-pdf"),
    path(
        "receipts/<int:pk>/duplicate/",
        receipts_views.ReceiptDuplicateApi.as_view(),
        name="receipt-duplicate",
    ),
    path("me/receipts/", receipts_views.MyReceiptListApi.as_view(), name="my-receipts"),
]
