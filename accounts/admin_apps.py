"""Django's admin, with the operators' site as its default site (listed in INSTALLED_APPS in place of
django.contrib.admin). Apart from accounts/admin_site.py: an app's configuration is imported before the models."""

from django.contrib.admin.apps import AdminConfig


class OperatorAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.OperatorAdminSite"
