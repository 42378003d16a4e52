"""The operators' read-only FHIR endpoint: GET <ADMIN_URL>fhir/AuditEvent?date=…&agent=…&_count=…"""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from accounts.actor import SESSION_OPERATOR
from interop import fhir
from journal.models import Action

URL = reverse("fhir:auditevent-search")


@pytest.fixture
def operator_client(people):
    people.operator.is_staff = True
    people.operator.save()
    client = Client()
    client.force_login(people.operator)
    session = client.session
    session[SESSION_OPERATOR] = True  # as the admin's login sets it
    session.save()
    return client


def search(client, **params):
    response = client.get(URL, params)
    assert response["Content-Type"] == "application/fhir+json; charset=utf-8"
    return response


def sequences(document):
    return [int(e["resource"]["id"].removeprefix("journal-")) for e in document.get("entry", [])]


def test_pages_follow_the_chain_with_a_next_link(full_journal, operator_client):
    seen, url, pages = [], None, 0
    response = search(operator_client, _count=40)
    while True:
        document = response.json()
        Bundle.model_validate(document)
        assert document["type"] == "searchset"
        seen += sequences(document)
        pages += 1
        following = [link["url"] for link in document["link"] if link["relation"] == "next"]
        if not following:
            break
        (url,) = following
        assert "_count=40" in url
        response = operator_client.get(url)
    assert seen == list(full_journal.values_list("sequence", flat=True))
    assert pages == full_journal.count() // 40 + 1


def test_filters_by_date_and_agent(people, operator_client):
    ten_days_ago = timezone.now() - datetime.timedelta(days=10)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: ten_days_ago)
        old = people.write(Action.LOGIN, people.actors()[0][1], False)
    mine = people.write(Action.LOGOUT, people.actors()[0][1], False)
    for_me = people.write(Action.DOSSIER_VIEWED, people.actors()[1][1], True)
    assistant_alone = people.write(Action.LOGIN, people.actors()[3][1], False)
    today = timezone.localdate().isoformat()
    old_day = timezone.localtime(ten_days_ago).date().isoformat()

    assert sequences(search(operator_client, date=f"ge{today}").json()) == [
        mine.sequence,
        for_me.sequence,
        assistant_alone.sequence,
    ]
    assert sequences(search(operator_client, date=[f"ge{old_day}", f"le{old_day}"]).json()) == [old.sequence]
    assert sequences(search(operator_client, date=f"lt{old_day}").json()) == []
    national_id = people.doctor.professional.national_id
    assert sequences(search(operator_client, agent=f"{fhir.IDNPS_SYSTEM}|{national_id}").json()) == [
        old.sequence,
        mine.sequence,
        for_me.sequence,
    ]
    assert sequences(search(operator_client, agent=f"{fhir.system('utilisateur')}|{people.assistant.pk}").json()) == [
        for_me.sequence,
        assistant_alone.sequence,
    ]
    assert sequences(search(operator_client, agent="http://autre.example|1").json()) == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date": "2026-01-01"}, "commencez par ge, gt, le ou lt"),
        ({"date": "ge01/01/2026"}, "illisible"),
        ({"_count": "0"}, "_count doit être un nombre de 1 à 500."),
        ({"_count": "501"}, "_count doit être un nombre de 1 à 500."),
        ({"patient": "1"}, "Paramètre(s) non pris en charge : patient."),
    ],
)
def test_a_bad_search_says_what_to_write(operator_client, params, message):
    response = search(operator_client, **params)
    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"
    assert message in response.json()["issue"][0]["diagnostics"]


def test_card_holders_and_a_staff_card_session_are_refused(people, client):
    assert search(client).status_code == 403
    client.force_login(people.doctor)
    assert search(client).status_code == 403
    # Staff, but logged in otherwise than by the admin's login: refused, as by the admin itself.
    people.operator.is_staff = True
    people.operator.save()
    client.force_login(people.operator)
    response = search(client)
    assert response.status_code == 403
    assert "connectez-vous d'abord à la gestion" in response.json()["issue"][0]["diagnostics"]


def test_post_is_not_allowed(operator_client):
    assert operator_client.post(URL).status_code == 405
