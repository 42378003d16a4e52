from django.apps import AppConfig


def suspend_after_import(sender, professional_ids, **kwargs):
    """The directory deactivated people: their delegations, both ways, are suspended at once."""
    from .services import suspend_for_inactive_professionals

    suspend_for_inactive_professionals()


def is_colleague_search(request) -> bool:
    """The colleague page searching the directory (choosing a result, `selectionne`, alone is no search)."""
    return bool(set(request.GET) - {"selectionne"})


class DelegationsConfig(AppConfig):
    name = "delegations"
    verbose_name = "Délégations de droits"

    def ready(self):
        from core.ratelimit import register
        from directory.selectors import SEARCH_RATE_LIMIT
        from directory.signals import professionals_deactivated

        # The colleague search counts in the directory's search limit (one counter per user).
        register("delegations:add-colleague", SEARCH_RATE_LIMIT, when=is_colleague_search)

        professionals_deactivated.connect(suspend_after_import, dispatch_uid="delegations.suspend_after_import")
