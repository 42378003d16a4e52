from django.contrib.auth.backends import ModelBackend, UserModel


class UserBackend(ModelBackend):
    """Django's backend, loading the user's directory entry with him: every page needs it (the actor's role and
    name), so one query per request instead of two."""

    def get_user(self, user_id):
        # get(), not first(): the primary key needs no ORDER BY (one less clause to compile on every request).
        try:
            user = UserModel._default_manager.select_related("professional").get(pk=user_id)  # type: ignore[attr-defined]
        except UserModel.DoesNotExist:  # type: ignore[attr-defined]
            return None
        return user if self.user_can_authenticate(user) else None
