from django.urls import path

from donors import views

app_name = "donors"

urlpatterns = [
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/invite/<str:token>/", views.campaign_invite, name="campaign-invite"),
    path("campaigns/<slug:slug>/", views.campaign_detail, name="campaign"),
    path("give/<uuid:reference>/demo-checkout/", views.demo_checkout, name="demo-checkout"),
    path("give/<uuid:reference>/thanks/", views.thanks, name="thanks"),
    path("portal/", views.portal_home, name="portal"),
    path("portal/sign-in/", views.portal_login, name="portal-login"),
    path("portal/sign-in/<str:token>/", views.portal_redeem, name="portal-redeem"),
    path("portal/sign-out/", views.portal_logout, name="portal-logout"),
    path(
        "portal/monthly/<uuid:reference>/cancel/",
        views.portal_cancel_monthly,
        name="portal-cancel-monthly",
    ),
]

# Receipts (issue 5): the donor's own receipts and annual statements.
from donors import views_receipts  # noqa: E402

urlpatterns += [
    path(
        "portal/receipts/<int:pk>/",
        views_receipts.portal_receipt_download,
        name="portal-receipt",
    ),
    path(
        "portal/receipts/<int:pk>/copy/",
        views_receipts.portal_receipt_copy,
        name="portal-receipt-copy",
    ),
    path(
        "portal/statements/<int:pk>/",
        views_receipts.portal_statement_download,
        name="portal-statement",
    ),
]
