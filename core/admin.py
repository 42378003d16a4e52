"""What every app's admin shares (core is below them all)."""


class ReadOnlyAdminMixin:
    """Operators read; they neither add, change nor delete (the services journal every change made elsewhere).
    For a ModelAdmin or an inline alike."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
