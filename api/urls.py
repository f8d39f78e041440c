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

# grants: eligibility policies, assessments, screening runs, awards, priority (issue 7)
from api.views import eligibility as eligibility_views  # noqa: E402

urlpatterns += [
    path(
        "eligibility/policies/",
        eligibility_views.PolicyListApi.as_view(),
        name="eligibility-policy-list",
    ),
    path(
        "eligibility/policies/<int:pk>/",
        eligibility_views.PolicyDetailApi.as_view(),
        name="eligibility-policy-detail",
    ),
    path(
        "projects/<int:pk>/assessments/",
        eligibility_views.ProjectAssessmentListApi.as_view(),
        name="project-assessments",
    ),
    path(
        "projects/<int:pk>/households/<int:household_pk>/screen/",
        eligibility_views.HouseholdScreenApi.as_view(),
        name="household-screen",
    ),
    path(
        "assessments/<int:pk>/",
        eligibility_views.AssessmentDetailApi.as_view(),
        name="assessment-detail",
    ),
    path(
        "screening-runs/",
        eligibility_views.ScreeningRunListApi.as_view(),
        name="screening-run-list",
    ),
    path(
        "screening-runs/<int:pk>/",
        eligibility_views.ScreeningRunDetailApi.as_view(),
        name="screening-run-detail",
    ),
    path("awards/", eligibility_views.AwardListApi.as_view(), name="award-list"),
    path("awards/priority/", eligibility_views.PriorityListApi.as_view(), name="award-priority"),
    path("awards/<int:pk>/", eligibility_views.AwardDetailApi.as_view(), name="award-detail"),
    path(
        "awards/<int:pk>/approve/",
        eligibility_views.AwardApproveApi.as_view(),
        name="award-approve",
    ),
    path(
        "awards/<int:pk>/commit/",
        eligibility_views.AwardCommitApi.as_view(),
        name="award-commit",
    ),
    path(
        "awards/<int:pk>/cancel/",
        eligibility_views.AwardCancelApi.as_view(),
        name="award-cancel",
    ),
    path(
        "awards/<int:pk>/letter/",
        eligibility_views.AwardLetterApi.as_view(),
        name="award-letter",
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

# grants: tranche plans and disbursements (issue 8)
from api.views import disbursements as disbursement_views  # noqa: E402

urlpatterns += [
    path(
        "tranche-templates/",
        disbursement_views.TrancheTemplateListApi.as_view(),
        name="tranche-template-list",
    ),
    path(
        "projects/<int:pk>/tranches/",
        disbursement_views.ProjectTrancheApi.as_view(),
        name="project-tranches",
    ),
    path(
        "projects/<int:pk>/tranches/<int:tranche_pk>/disbursements/",
        disbursement_views.DisbursementRequestApi.as_view(),
        name="disbursement-request",
    ),
    path(
        "projects/<int:pk>/households/<int:household_pk>/subsidy/",
        disbursement_views.HouseholdSubsidyApi.as_view(),
        name="household-subsidy",
    ),
    path(
        "projects/<int:pk>/close/",
        disbursement_views.ProjectCloseApi.as_view(),
        name="project-close",
    ),
    path(
        "disbursements/", disbursement_views.DisbursementListApi.as_view(), name="disbursement-list"
    ),
    path(
        "disbursements/<int:pk>/",
        disbursement_views.DisbursementDetailApi.as_view(),
        name="disbursement-detail",
    ),
    path(
        "disbursements/<int:pk>/voucher/",
        disbursement_views.DisbursementVoucherApi.as_view(),
        name="disbursement-voucher",
    ),
    path(
        "disbursements/<int:pk>/approve/",
        disbursement_views.DisbursementApproveApi.as_view(),
        name="disbursement-approve",
    ),
    path(
        "disbursements/<int:pk>/reject/",
        disbursement_views.DisbursementRejectApi.as_view(),
        name="disbursement-reject",
    ),
    path(
        "disbursements/<int:pk>/cancel/",
        disbursement_views.DisbursementCancelApi.as_view(),
        name="disbursement-cancel",
    ),
    path(
        "disbursements/<int:pk>/pay/",
        disbursement_views.DisbursementPayApi.as_view(),
        name="disbursement-pay",
    ),
    path(
        "disbursements/<int:pk>/return/",
        disbursement_views.DisbursementReturnApi.as_view(),
        name="disbursement-return",
    ),
    path(
        "gifts/<int:number>/trace/",
        disbursement_views.GiftTraceApi.as_view(),
        name="gift-trace",
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

# reports: registers, exports and audit packages, read-only (issue 9)
from api.views import reports as reports_views  # noqa: E402

urlpatterns += [
    path("reports/", reports_views.ReportListApi.as_view(), name="report-list"),
    path("reports/exports/", reports_views.ExportJobListApi.as_view(), name="report-exports"),
    path("reports/packages/", reports_views.AuditPackageListApi.as_view(), name="report-packages"),
    path("reports/<slug:code>/", reports_views.ReportDetailApi.as_view(), name="report-detail"),
]
