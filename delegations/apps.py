from django.apps import AppConfig


def suspend_after_import(sender, professional_ids, **kwargs):
    """The directory deactivated people: their delegations, both ways, are suspended at once."""
    from .services import suspend_for_inactive_professionals

    suspend_for_inactive_professionals()


class DelegationsConfig(AppConfig):
    name = "delegations"
    verbose_name = "Délégations de droits"

    def ready(self):
        from directory.signals import professionals_deactivated

        professionals_deactivated.connect(suspend_after_import, dispatch_uid="delegations.suspend_after_import")
