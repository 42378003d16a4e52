from django.urls import path

from . import views

app_name = "oversight"

urlpatterns = [
    path("", views.actions, name="actions"),
    path("export.csv", views.export_csv, name="export-csv"),
    path("attestation.pdf", views.export_pdf, name="export-pdf"),
    path("export.fhir.json", views.export_fhir, name="export-fhir"),
    path("preferences/", views.preferences, name="preferences"),
]
