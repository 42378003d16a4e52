from functools import cache

from django.conf import settings
from django.urls import reverse


@cache
def _mails_url() -> str:
    return reverse("demo:mails")


def demo_links(request):
    """The link to the demo mails (login page, footer): only when DEMO is on."""
    return {"DEMO_MAILS_URL": _mails_url() if settings.DEMO else ""}
