from django.conf import settings
from django.urls import reverse


def demo_links(request):
    """The link to the demo mails (login page, footer): only when DEMO is on."""
    return {"DEMO_MAILS_URL": reverse("demo:mails") if settings.DEMO else ""}
