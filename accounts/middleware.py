from .actor import SESSION_ACTING_FOR, SESSION_AUTH_MODE, SESSION_CARD_TYPE, SESSION_LOGIN_METHOD, Actor


class ActorMiddleware:
    """Puts `request.actor` on every request, from the session written at login."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        request.actor = Actor(
            user=request.user,
            card_type=session.get(SESSION_CARD_TYPE, ""),
            login_method=session.get(SESSION_LOGIN_METHOD, ""),
            auth_mode=session.get(SESSION_AUTH_MODE, ""),
            acting_for_id=session.get(SESSION_ACTING_FOR),
        )
        return self.get_response(request)
