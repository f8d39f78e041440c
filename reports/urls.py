"""/auditor/: the reports home and the registers (HTML, CSV, export jobs, audit packages)."""

from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.home, name="home"),
    path("reports/<slug:code>/", views.report_screen, name="report"),
    path("reports/<slug:code>/export.csv", views.report_csv, name="report-csv"),
    path("reports/<slug:code>/export/", views.report_export, name="report-export"),
    path("journal/<int:number>/", views.entry_detail, name="entry"),
    path("exports/", views.export_list, name="exports"),
    path("exports/<int:pk>/", views.export_detail, name="export"),
    path("exports/<int:pk>/download/", views.export_download, name="export-download"),
    path("packages/", views.packages, name="packages"),
    path("packages/<int:pk>/", views.package_detail, name="package"),
    path("packages/<int:pk>/download/", views.package_download, name="package-download"),
]
