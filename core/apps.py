from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Socle commun"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from . import checks, timestamps  # noqa: F401  (checks: registers the deployment checks)
        from .ratelimit import logged_in

        # Successful logins are given back to the « failed attempts only » limits (core/ratelimit.py).
        user_logged_in.connect(logged_in, dispatch_uid="core.ratelimit.logged_in")
        timestamps.connect()
