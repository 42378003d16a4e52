"""The demo mail backend and its page: only with DEMO=1, never the production outbox.

The browser walk (invite, open the page, click the link) is tests/browser/test_footer_and_demo_mails.py.
"""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.mail import send_mail
from django.test import Client

from demo.models import SentMail
from outbox.models import Message
from outbox.services import enqueue, send_due


def email_backend_with(demo: str) -> str:
    """settings.EMAIL_BACKEND as a fresh process with DEMO=`demo` computes it (the suite's own is replaced)."""
    env = {**os.environ, "DEMO": demo, "DEBUG": "1"}
    env.pop("DATABASE_URL", None)
    env.pop("EMAIL_URL", None)
    code = "from django.conf import settings; print(settings.EMAIL_BACKEND, settings.DEMO_EMAIL_BACKEND)"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_the_demo_backend_is_configured_only_with_demo():
    assert email_backend_with("0") == (
        "django.core.mail.backends.console.EmailBackend django.core.mail.backends.console.EmailBackend"
    )
    assert email_backend_with("1") == "demo.mail.DemoEmailBackend django.core.mail.backends.console.EmailBackend"


@pytest.fixture
def demo_backend(settings):
    settings.DEMO = True
    settings.EMAIL_BACKEND = "demo.mail.DemoEmailBackend"
    settings.DEMO_EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.mark.django_db
def test_a_mail_sent_by_the_outbox_is_kept_whole_by_the_demo_and_still_sent(demo_backend):
    link = "http://127.0.0.1:8000/delegations/invitation/jeton/"
    enqueue(key="essai-1", to="sophie.bernard@example.org", subject="Invitation", text=f"Suivez ce lien : {link}")
    assert send_due() == (1, 0)
    # The outbox wiped the body (it holds the link); the demo's copy kept it; the configured backend sent it.
    assert Message.objects.get().body_text == ""
    kept = SentMail.objects.get()
    assert (kept.to, kept.subject) == ("sophie.bernard@example.org", "Invitation")
    assert kept.body == f"Suivez ce lien : {link}"
    assert [message.subject for message in mail.outbox] == ["Invitation"]

    page = Client().get("/demo/courriels/")
    assert page.status_code == 200
    assert f'<a href="{link}"' in page.content.decode()


@pytest.mark.django_db
def test_a_mail_the_configured_backend_refuses_is_not_kept(settings, demo_backend):
    settings.DEMO_EMAIL_BACKEND = "tests.demo.test_demo_mails.RefusingBackend"
    with pytest.raises(ConnectionRefusedError):
        send_mail("Invitation", "texte", None, ["sophie.bernard@example.org"])
    assert not SentMail.objects.exists()


class RefusingBackend:
    def __init__(self, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError


@pytest.mark.django_db
def test_without_demo_the_page_is_a_404_and_no_page_links_to_it(settings):
    settings.DEMO = False
    SentMail.objects.create(to="sophie.bernard@example.org", subject="Invitation", body="lien")
    client = Client()
    response = client.get("/demo/courriels/")
    assert response.status_code == 404
    assert "lien" not in response.content.decode()
    login = client.get("/connexion/").content.decode()
    assert "/demo/courriels/" not in login and "Mentions légales" in login
