"""CSRF on every view: a POST without the CSRF token is refused (403, French page) on every URL, for everybody.

The URLs, the people and their sessions are the crawler's (tests/authz/test_crawler.py), but the client here
enforces the CSRF checks, as a browser's request would meet them. A view marked `@csrf_exempt`, or a
middleware order that lets a view run first, fails this test. The same POSTs with a valid token get the
crawler's expected answer: the 403 comes from the missing token, not from something else.
"""

import html

import pytest
from django.conf import settings
from django.db import transaction
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

from tests.authz import test_crawler
from tests.authz.test_crawler import DOCTOR, EXPECTATIONS, LOGIN, PERSONAS, POST_DATA, _outcome, _path, url_patterns

world = test_crawler.world  # the crawler's fixture: Dr MARTIN, his dossier and delegations, everybody's session

CSRF_PAGE = "Le formulaire a expiré ou n'est pas valide. Rechargez la page et recommencez."


def post(client, session_key, path, data, *, csrf_token=None):
    """One POST with the persona's session, in a savepoint rolled back afterwards."""
    client.cookies.clear()
    if session_key:
        client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    data = dict(data or {})
    if csrf_token:
        client.cookies[settings.CSRF_COOKIE_NAME] = csrf_token
        data["csrfmiddlewaretoken"] = csrf_token
    with transaction.atomic():
        response = client.post(path, data)
        transaction.set_rollback(True)
    return response


@pytest.fixture
def strict_client():
    return Client(enforce_csrf_checks=True)


def test_a_post_without_csrf_token_is_refused_everywhere(world, strict_client, settings):
    settings.DEMO = True
    failures, checked = [], 0
    for name, params in url_patterns():
        path = _path(world, name, params)
        data = POST_DATA[name](world) if name in POST_DATA else None
        for persona in PERSONAS:
            response = post(strict_client, world["sessions"][persona], path, data)
            checked += 1
            if response.status_code != 403 or CSRF_PAGE not in html.unescape(response.content.decode()):
                failures.append(f"POST {path} as {persona} without CSRF token: {response.status_code}, expected 403")
    assert checked >= len(EXPECTATIONS) * len(PERSONAS)
    assert failures == [], "\n".join(failures)


def test_the_same_posts_with_a_valid_token_get_the_crawlers_answer(world, strict_client, settings):
    """The control: where the crawler expects a POST to succeed, it does here too once the token is sent."""
    settings.DEMO = True
    failures, checked = [], 0
    for name, params in url_patterns():
        expected = EXPECTATIONS[name].get("POST")
        if expected is None:
            continue
        path = _path(world, name, params)
        data = POST_DATA[name](world) if name in POST_DATA else None
        for persona in PERSONAS:
            if expected[persona] in (404, 405, LOGIN):
                continue
            outcome = _outcome(
                post(strict_client, world["sessions"][persona], path, data, csrf_token=_get_new_csrf_string())
            )
            checked += 1
            if outcome != expected[persona]:
                failures.append(f"POST {path} as {persona} with a CSRF token: {outcome}, expected {expected[persona]}")
    assert checked > 0 and failures == [], "\n".join(failures)
    # Dr MARTIN's own delegation delete, the view quoted by the issue, is among them.
    assert EXPECTATIONS["delegations:delete"]["POST"][DOCTOR] == 302
