from django.urls import path

from documents.views import document_verify

app_name = "documents"

urlpatterns = [
    path("receipts/verify/<str:code>/", document_verify, name="verify"),
    path("verify/<str:code>/", document_verify, name="verify-alias"),
]
