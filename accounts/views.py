from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import services
from .actor import SESSION_LOGIN_METHOD
from .methods import enabled_methods


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
