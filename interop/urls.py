from django.urls import path

from . import views

app_name = "fhir"
urlpatterns = [path("AuditEvent", views.audit_events, name="auditevent-search")]
