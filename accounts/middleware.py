import time

from django.conf import settings

from .actor import SESSION_ACTING_FOR, SESSION_AUTH_MODE, SESSION_CARD_TYPE, SESSION_LOGIN_METHOD, Actor
from .services import end_refused_session, login_refusal


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
        # The same rule as at login: a professional who left the directory loses his session in progress. The user
        # comes with his directory entry (UserBackend): no extra query.
        refusal = login_refusal(request.user) if request.actor.is_authenticated else ""
        if refusal:
            end_refused_session(request=request, actor=request.actor, refusal=refusal)
            request.actor = Actor(user=request.user)
        return self.get_response(request)


# The session's stored expiry is pushed back (one UPDATE) at most this often, not on every request. The same key
# records when the session was last saved, so the seconds left before the idle logout can be told without a query.
SESSION_REFRESH_KEY = "refreshed_at"


def session_seconds_left(session) -> int:
    """Seconds before the idle logout: the last save set the expiry to then + SESSION_COOKIE_AGE (the idle timeout)."""
    saved_at = session.get(SESSION_REFRESH_KEY, 0)
    return max(0, saved_at + settings.SESSION_COOKIE_AGE - int(time.time()))


def skip_session_refresh(request) -> None:
    """Asking how long the session has left must not be activity: it would keep an idle session open forever."""
    request.skip_session_refresh = True


class SessionRefreshMiddleware:
    """The idle timeout slides with activity without writing the session on every request.

    Each save sets the expiry to now + SESSION_IDLE_TIMEOUT; saving at most every SESSION_REFRESH_INTERVAL seconds
    makes the idle timeout exact within that interval (a session idle for 30 minutes minus the interval may end)
    and saves a database write and a commit per page.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.interval = settings.SESSION_REFRESH_INTERVAL

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only an existing, non-empty session: an anonymous visitor gets none.
        if session is None or not session.session_key or session.is_empty():
            return response
        now = int(time.time())
        if session.modified:
            # Saved anyway (the view changed it): its new expiry starts now.
            session[SESSION_REFRESH_KEY] = now
        elif getattr(request, "skip_session_refresh", False):
            pass
        elif now - session.get(SESSION_REFRESH_KEY, 0) >= self.interval:
            session[SESSION_REFRESH_KEY] = now
        return response
