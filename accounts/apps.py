from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Cartes CPx et connexion"

    def ready(self):
        from core.ratelimit import register

        from .admin_site import LOGIN_RATE_LIMITS
        from .methods import register_methods

        # core's middleware knows no view: the login methods and the admin's login declare their limits here.
        register_methods()
        register("admin:login", *LOGIN_RATE_LIMITS)
