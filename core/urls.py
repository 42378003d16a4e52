from django.urls import path

from . import views


def static_page(template: str, title: str):
    """The footer's pages: public and static (the base template, text and settings, no query of their own)."""
    return views.FooterPage.as_view(template_name=template, extra_context={"title": title})


urlpatterns = [
    path("", views.home, name="home"),
    path("accessibilite/", static_page("core/accessibility.html", "Déclaration d'accessibilité"), name="accessibility"),
    path("mentions-legales/", static_page("core/legal_notice.html", "Mentions légales"), name="legal-notice"),
    path("donnees-personnelles/", static_page("core/personal_data.html", "Données personnelles"), name="personal-data"),
]
