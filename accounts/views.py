import time

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from . import selectors, services
from .actor import SESSION_LOGIN_METHOD
from .methods import enabled_methods
from .middleware import SESSION_REFRESH_KEY, session_seconds_left, skip_session_refresh


def render_login_page(request, method_contexts: dict | None = None, status: int = 200):
    """The login page lists every enabled login method; each draws its own block."""
    method_contexts = method_contexts or {}
    blocks = []
    page_forms = []
    for method in enabled_methods():
        context = method.get_context(request)
        context.update(method_contexts.get(method.key, {}))
        blocks.append({"method": method, "context": context})
        # The methods' forms sit in their blocks: named for the page's error summary (core/templatetags/form_errors.py).
        if "form" in context:
            page_forms.append(context["form"])
    return render(
        request,
        "accounts/login.html",
        {"blocks": blocks, "title": "Se connecter", "page_forms": page_forms},
        status=status,
    )


def login_page(request):
    if request.user.is_authenticated:
        return redirect("dossiers:list")
    return render_login_page(request)


@require_POST
def logout_view(request):
    # Asked before the session ends: the login method may send the browser on to its provider's logout.
    method_key = request.session.get(SESSION_LOGIN_METHOD)
    method = next((m for m in enabled_methods() if m.key == method_key), None)
    after = method.logout_url(request) if method is not None else None
    services.logout(request)
    return redirect(after or "accounts:login")


@require_http_methods(["GET", "POST"])
def session_status(request):
    """The seconds left before the idle logout (GET, which is not activity) or « Rester connecté » (POST).

    The page script warns SESSION_IDLE_WARNING seconds before the end; a POST pushes the expiry back without
    leaving the page, so nothing typed is lost. A session already ended answers 401.
    """
    if not request.user.is_authenticated:
        return JsonResponse({"seconds_left": 0}, status=401)
    if request.method == "POST":
        request.session[SESSION_REFRESH_KEY] = int(time.time())  # modified: saved with a new expiry
    else:
        skip_session_refresh(request)
    remaining = settings.SESSION_COOKIE_AGE if request.method == "POST" else session_seconds_left(request.session)
    return JsonResponse({"seconds_left": remaining, "warning": settings.SESSION_IDLE_WARNING})


@login_required
@require_safe
def my_account(request):
    """Mon compte: the logged-in person's own account only (no identifier in the URL: nobody else's is reachable)."""
    return render(
        request,
        "accounts/account.html",
        {
            "title": "Mon compte",
            "nav": "account",
            "account": selectors.own_account(request.user),
            "current_method": selectors.method_label(request.actor.login_method),
            "operator_contact": services.operator_contact(),
        },
    )
