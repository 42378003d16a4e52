"""Mon compte, at /compte/ (the accounts namespace is the login's, under /connexion/)."""

from django.urls import path

from . import views

app_name = "account"

urlpatterns = [path("", views.my_account, name="overview")]
