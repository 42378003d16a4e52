from django.conf import settings
from django.http import Http404
from django.shortcuts import render

from core.pagination import paginate

from .models import SentMail


def mails(request):
    """« Courriels envoyés (démonstration) »: public in the demo (fictional people), absent otherwise."""
    if not settings.DEMO:
        raise Http404
    return render(
        request,
        "demo/mails.html",
        {"title": "Courriels envoyés (démonstration)", "page_obj": paginate(request, SentMail.objects.all())},
    )
