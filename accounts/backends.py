from django.contrib.auth.backends import ModelBackend, UserModel


class UserBackend(ModelBackend):
    """Django's backend, loading the user's directory entry with him: every page needs it (the actor's role and
    name), so one query per request instead of two."""

    def get_user(self, user_id):
        user = UserModel._default_manager.select_related("professional").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
