from django.apps import AppConfig


def is_search(request) -> bool:
    """The Annuaire page with query parameters: a search (the empty page is not counted)."""
    return bool(request.GET)


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = "Annuaire"

    def ready(self):
        from core.ratelimit import register

        from .selectors import SEARCH_RATE_LIMIT

        register("directory:search", SEARCH_RATE_LIMIT, when=is_search)
