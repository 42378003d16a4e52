from django.urls import include, path

from . import views
from .methods import configured_methods

app_name = "accounts"

urlpatterns = [
    path("", views.login_page, name="login"),
    path("deconnexion/", views.logout_view, name="logout"),
    path("session/", views.session_status, name="session"),
]
# Each configured login method mounts its own views; they answer 404 when the method is disabled.
for _method in configured_methods():
    urlpatterns.append(path(f"{_method.key}/", include(_method.urlpatterns())))  # type: ignore[arg-type]
