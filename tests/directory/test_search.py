from functools import partial

import pytest
from django.db import connection
from django.urls import reverse

from directory import selectors
from directory.importer import import_extract
from directory.models import PracticePlace, Professional
from directory.selectors import place_filter, search_professionals

from ..conftest import login_client
from ..factories import PracticePlaceFactory
from .helpers import person, write_extract

pytestmark = pytest.mark.django_db

PEOPLE = [
    person("99700001011", "MARTIN", "Jean", postal_code="69003", commune="Lyon", department_code="69"),
    person("99700001012", "MARTIN", "Jean", postal_code="13008", commune="Marseille", department_code="13"),
    person("99700001037", "LEFÈVRE", "Paul", postal_code="69006", commune="Lyon", department_code="69"),
    person("99700001045", "LEFEVRE", "Anne", postal_code="13008", commune="Marseille", department_code="13"),
    person("99700001053", "LE FEBVRE", "Luc"),
    person("99700001061", "D'ARTOIS-DUPRÉ", "Jean-Pierre", postal_code="42000", commune="Saint-Étienne",
           department_code="42"),
    person("99700001079", "CASANOVA", "Ange", postal_code="20000", commune="Ajaccio", department_code="2A"),
    person("99700001087", "PAYET", "Marie", postal_code="97400", commune="Saint-Denis", department_code="974"),
    person("99700001095", "MARTINEZ", "Inès", profession_code="60", profession="Infirmier"),
]  # fmt: skip


@pytest.fixture
def directory(tmp_path):
    import_extract(write_extract(tmp_path / "x.txt", PEOPLE))


def names(queryset):
    return [(p.last_name, p.first_name) for p in queryset]


def test_name_prefix_ignores_accents_and_case(directory):
    assert names(search_professionals(name="lefev")) == [("LEFEVRE", "Anne"), ("LEFÈVRE", "Paul")]
    assert names(search_professionals(name="LEFÈVRE")) == names(search_professionals(name="Lefevre"))
    assert names(search_professionals(name="le f")) == [("LE FEBVRE", "Luc")]


def test_hyphens_and_apostrophes_ignored(directory):
    for query in ("d'artois dupre", "D ARTOIS-DUPRE", "d-artois", "d'art"):
        assert names(search_professionals(name=query)) == [("D'ARTOIS-DUPRÉ", "Jean-Pierre")], query
    assert names(search_professionals(name="d'artois", first_name="jean pierre")) == [("D'ARTOIS-DUPRÉ", "Jean-Pierre")]


def test_first_name_prefix(directory):
    assert names(search_professionals(name="lefevre", first_name="pa")) == [("LEFÈVRE", "Paul")]


def test_homonyms_separated_by_town(directory):
    assert len(search_professionals(name="martin", first_name="jean")) == 2
    lyon = search_professionals(name="martin", place="lyon").get()
    assert lyon.places.get().postal_code == "69003"
    assert search_professionals(name="martin", place="13008").get().places.get().commune == "Marseille"
    assert search_professionals(name="martin", place="13").get().national_id == "899700001012"


def test_place_kinds(directory):
    assert names(search_professionals(place="saint etienne")) == [("D'ARTOIS-DUPRÉ", "Jean-Pierre")]
    assert names(search_professionals(place="SAINT-ÉTIENNE")) == [("D'ARTOIS-DUPRÉ", "Jean-Pierre")]
    assert names(search_professionals(place="saint")) == [("D'ARTOIS-DUPRÉ", "Jean-Pierre"), ("PAYET", "Marie")]
    assert names(search_professionals(place="2a")) == [("CASANOVA", "Ange")]
    assert names(search_professionals(place="974")) == [("PAYET", "Marie")]
    assert len(search_professionals(place="69")) == 3
    assert place_filter("69003") == {"postal_code": "69003"}
    assert place_filter("2B") == {"department_code": "2B"}


@pytest.mark.parametrize("place", ["lyon", "69", "69003"])
def test_big_town_strategy_gives_the_same_results(directory, monkeypatch, place):
    expected = [(p.pk, p.last_name) for p in search_professionals(place=place)]
    monkeypatch.setattr(selectors, "SELECTIVE_PLACE", 0)  # as if the town had thousands of places
    results = search_professionals(place=place)
    assert results.count_from is not None
    assert [(p.pk, p.last_name) for p in results] == expected
    assert results.count() == len(expected) and results.exclude(pk=0).count() == len(expected)


def test_count_stops_at_the_limit(directory, monkeypatch):
    monkeypatch.setattr(selectors, "RESULTS_LIMIT", 2)
    results = search_professionals(place="69")
    assert results.count() == 3 and results.over_limit and len(list(results)) == 3
    monkeypatch.setattr(selectors, "SELECTIVE_PLACE", 0)
    assert search_professionals(place="69").count() == 3
    assert search_professionals(name="m", profession_code=None).count() == 3
    assert not search_professionals(name="martin").over_limit


def test_profession_filter_and_order(directory):
    assert "MARTINEZ" not in [p.last_name for p in search_professionals(name="mart")]
    assert names(search_professionals(name="martinez", profession_code="60")) == [("MARTINEZ", "Inès")]
    everybody = search_professionals(name="mart", profession_code=None)
    assert [p.last_name for p in everybody] == ["MARTIN", "MARTIN", "MARTINEZ"]


@pytest.mark.parametrize("place", ["lyon", "69", "69003", "l"])
def test_name_and_place_across_professions(directory, place):
    # The nurse MARTINEZ practises in Lyon 69003 too: every profession, walked from the places of the town.
    results = search_professionals(name="mart", place=place, profession_code=None)
    assert results.count_from is not None  # the walk of the places index, not the people of the name
    assert names(results) == [("MARTIN", "Jean"), ("MARTINEZ", "Inès")] and results.count() == 2
    assert names(search_professionals(name="mart", place=place)) == [("MARTIN", "Jean")]


def test_places_read_with_the_page(directory, django_assert_num_queries):
    someone = search_professionals(name="m").first()
    PracticePlaceFactory(professional=someone, commune="Bron")
    with django_assert_num_queries(2):
        found = list(search_professionals(name="m"))
        places = {professional.pk: [p.pk for p in professional.place_list] for professional in found}
    assert places == {p.pk: list(p.places.order_by("id").values_list("pk", flat=True)) for p in found}
    assert any(len(listed) > 1 for listed in places.values()), "someone with several places"


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


SEARCHES = [
    {"name": "mart"},
    {"name": "lefev", "first_name": "p"},
    {"name": "mart", "place": "lyon"},
    {"name": "mart", "place": "69003"},
    {"place": "lyon"},
    {"place": "69"},
    {"place": "saint"},
    {"name": "m", "place": "l", "profession_code": None},
    {"place": "lyon", "active_only": False},  # its places read at once, by search_professionals itself
]


def test_searches_are_planned_for_their_values(directory):
    """psycopg prepares what a connection runs often, and PostgreSQL may then keep one plan for any value: a plan that
    cannot use the names indexes for an unknown prefix. No statement of a search is ever prepared."""
    if connection.vendor != "postgresql":
        pytest.skip("psycopg prepares statements on PostgreSQL only")
    for _ in range(7):
        for search in SEARCHES:
            results = search_professionals(**search)
            results.count()
            list(results[:20])
        Professional.objects.filter(national_id="0").exists()
    statements = _prepared_statements()
    # Preparing is on: an ordinary read run as often is prepared (and so would a search be, without the context).
    assert any('"directory_professional"."national_id"' in statement for statement in statements)
    assert [statement for statement in statements if " LIKE " in statement] == []


def test_page_requires_login(client):
    response = client.get(reverse("directory:search"))
    assert response.status_code == 302 and "connexion" in response["Location"]


def test_page_searches(directory, doctor_card):
    client = login_client(doctor_card)
    response = client.get(reverse("directory:search"))
    page = response.content.decode()
    for label in ("<h1>Annuaire</h1>", "Nom", "Lieu d&#x27;exercice", "Prénom", "Rechercher", 'aria-current="page"'):
        assert label in page
    response = client.get(reverse("directory:search"), {"name": "martin", "place": "lyon"})
    page = response.content.decode()
    assert "Docteur Jean MARTIN" in page and "69003 Lyon" in page and "Libéral" in page
    assert "Marseille" not in page and "1 résultat." in page


def test_page_paginates(tmp_path, request):
    import_extract(write_extract(tmp_path / "x.txt", [person(f"997000020{i:02d}", "DURAND", f"P{i:02d}")
                                                      for i in range(25)]))  # fmt: skip
    # The doctor comes after the import: one made before would be absent from it, so inactive and logged out.
    client = login_client(request.getfixturevalue("doctor_card"))
    page = client.get(reverse("directory:search"), {"name": "durand"}).content.decode()
    assert "25 résultats." in page and "P00" in page and "P20" not in page and "Page suivante" in page
    page = client.get(reverse("directory:search"), {"name": "durand", "page": 2}).content.decode()
    assert "P20" in page and "P00" not in page


def _import_around_lyon(tmp_path, doctors, *, several_places, deactivated, nurse):
    """Imports doctors (name, first name, postal code, commune), Eve with two places in Lyon (the second at postal
    code several_places[1]) and one in Lyonnais, Guy and Ida, a nurse, in Lyon; then again without Guy, who is
    deactivated."""
    name, second_postal_code = several_places
    people = [
        person(f"9970000{i:04d}", last, first, postal_code=cp, commune=commune, department_code=cp[:2])
        for i, (last, first, cp, commune) in enumerate(doctors)
    ] + [
        person("99700009999", name, "Eve", postal_code="69003", commune="Lyon", department_code="69"),
        person("99700009999", name, "Eve", postal_code=second_postal_code, commune="Lyon", department_code="69"),
        person("99700009999", name, "Eve", postal_code="69000", commune="Lyonnais", department_code="69"),
        person("99700008888", deactivated, "Guy", postal_code="69003", commune="Lyon", department_code="69"),
        person("99700007777", nurse, "Ida", postal_code="69003", commune="Lyon", profession_code="60"),
    ]
    import_extract(write_extract(tmp_path / "x.txt", people))
    import_extract(write_extract(tmp_path / "y.txt", [p for p in people if p["first_name"] != "Guy"]))


def _page_ids(results, start, stop):
    return [p.pk for p in results[start:stop]]


@pytest.mark.parametrize(
    ("max_communes", "range_rows", "limit"), [(10, 10_000, 1000), (1, 10_000, 1000), (1, 1, 1000), (1, 1, 2)]
)
def test_place_only_pages_walk_the_places_index(tmp_path, monkeypatch, max_communes, range_rows, limit):
    # Few communes: one index walk each; many communes: one sorted range, or (large range) the general way.
    monkeypatch.setattr(selectors, "MAX_COMMUNES", max_communes)
    monkeypatch.setattr(selectors, "RANGE_ROWS", range_rows)
    monkeypatch.setattr(selectors, "RESULTS_LIMIT", limit)
    # A person with two places in Lyon and one in Lyonnais (one result, not three); a deactivated person.
    _import_around_lyon(
        tmp_path,
        [
            ("MARTIN", "Jean", "69003", "Lyon"), ("ABADIE", "Anne", "69006", "Lyon"),
            ("ZOLA", "Émile", "69100", "Villeurbanne"), ("BERT", "Luc", "69000", "Lyonnais"),
            ("DURAND", "Paul", "69007", "Lyon"), ("DURAND", "Paule", "69007", "Lyon"),
            ("CARRE", "Ines", "69000", "Lyonnais"), ("MARTINEZ", "Ana", "69003", "Lyon"),
        ],
        several_places=("BLANC", "69007"), deactivated="GONE", nurse="NURSE",
    )  # fmt: skip
    for place in ("lyon", "ly", "69", "69003", "69007", "lyonnais"):
        results = search_professionals(place=place)
        assert results.page_from is not None or max_communes == 1, place
        everybody = [p.pk for p in results]  # the general way (no slice)
        assert search_professionals(place=place).count() == min(len(everybody), limit + 1)
        assert "GONE" not in [p.last_name for p in results]
        for start, stop in ((0, 2), (1, 3), (2, 4), (0, 20), (3, 20)):
            assert _page_ids(search_professionals(place=place), start, stop) == everybody[start:stop], (place, start)
    assert [p.last_name for p in search_professionals(place="lyon")] == [
        "ABADIE", "BERT", "BLANC", "CARRE", "DURAND", "DURAND", "MARTIN", "MARTINEZ"]  # fmt: skip
    assert [p.last_name for p in search_professionals(place="lyon", first_name="pa")[0:20]] == ["DURAND", "DURAND"]
    assert [p.last_name for p in search_professionals(place="69003", profession_code="60")[0:20]] == ["NURSE"]
    blanc = Professional.objects.get(last_name="BLANC")
    without = search_professionals(place="lyon", exclude=blanc.pk)
    assert "BLANC" not in [p.last_name for p in without[0:20]] and without.count() == min(7, limit + 1)
    # A filter added afterwards: the general way, exact.
    assert search_professionals(place="lyon").exclude(pk=blanc.pk).count() == min(7, limit + 1)


def test_place_copy_follows_the_person(tmp_path):
    import_extract(write_extract(tmp_path / "x.txt", [person("99700001011", "MARTIN", "Jean")]))
    martin = Professional.objects.get()
    assert PracticePlace.objects.filter(search_last_name="martin", profession_code="10", is_active=True).exists()
    martin.is_active = False
    martin.save()
    assert search_professionals(place="lyon").count() == 0 and list(search_professionals(place="lyon")[0:20]) == []
    import_extract(write_extract(tmp_path / "y.txt", [person("99700001011", "MARTIN", "Jean")]))  # back
    assert [p.pk for p in search_professionals(place="lyon")[0:20]] == [martin.pk]


def _import_martins(tmp_path) -> Professional:
    """MARTINs around Lyon and one in Marseille; Eve MARTIN (returned) with places in Lyon (twice) and Lyonnais (one
    result, not three); a deactivated MARTIN; a nurse MARTIN."""
    _import_around_lyon(
        tmp_path,
        [
            ("MARTIN", "Jean", "69003", "Lyon"), ("MARTIN", "Anne", "69006", "Lyon"),
            ("MARTINEZ", "Émile", "69100", "Villeurbanne"), ("MARTIN", "Luc", "69000", "Lyonnais"),
            ("MARTINI", "Paul", "69007", "Lyon"), ("MARTIN", "Paule", "13008", "Marseille"),
            ("MARTEL", "Ines", "69000", "Lyonnais"), ("DURAND", "Ana", "69003", "Lyon"),
        ],
        several_places=("MARTIN", "69003"), deactivated="MARTIN", nurse="MARTIN",
    )  # fmt: skip
    return Professional.objects.get(first_name="Eve")


def _assert_pages_as_general(search, everybody, limit, label):
    """`search()` counts as the general way (`everybody`, capped) and gives its pages, counted first or not."""
    assert search().count() == min(len(everybody), limit + 1), label
    for start, stop in ((0, 2), (1, 3), (2, 4), (0, 20), (3, 20)):
        page = search()
        page.count()  # as the paginator: the count, then the page
        assert _page_ids(page, start, stop) == everybody[start:stop], (label, start)
        assert _page_ids(search(), start, stop) == everybody[start:stop], (label, start)


@pytest.mark.parametrize(
    ("name_max_communes", "peek", "limit"), [(100, 100, 1000), (100, 2, 1000), (100, 1, 2), (1, 2, 3)]
)
def test_name_and_place_walk_the_places_index(tmp_path, monkeypatch, name_max_communes, peek, limit):
    # A name and a place: one walk of a places index bounded by both (communes of a prefix by equality); the
    # results, their order, pages and capped counts are those of the general way.
    monkeypatch.setattr(selectors, "NAME_MAX_COMMUNES", name_max_communes)
    monkeypatch.setattr(selectors, "PEEK", peek)
    monkeypatch.setattr(selectors, "RESULTS_LIMIT", limit)
    eve = _import_martins(tmp_path)
    for name, first, place in [
        ("mart", "", "lyon"), ("martin", "", "ly"), ("MARTIN", "", "69"), ("mar", "", "69003"), ("martin", "", "13"),
        ("martin", "", "lyonnais"), ("martin", "pa", "lyon"), ("mart", "", "nowhere"), ("durand", "", "lyon"),
    ]:  # fmt: skip
        for exclude in (None, eve.pk):
            results = search_professionals(name=name, first_name=first, place=place, exclude=exclude)
            everybody = [p.pk for p in results]  # the general way (no slice)
            # "lyon" and "ly": two communes (Lyon, Lyonnais), beyond NAME_MAX_COMMUNES = 1: the general way.
            assert (results.page_from is None) == (name_max_communes == 1 and place in ("lyon", "ly")), place
            search = partial(search_professionals, name=name, first_name=first, place=place, exclude=exclude)
            _assert_pages_as_general(search, everybody, limit, (name, place))
    names_found = [(p.last_name, p.first_name) for p in search_professionals(name="mart", place="lyon")[0:20]]
    assert names_found == [("MARTEL", "Ines"), ("MARTIN", "Anne"), ("MARTIN", "Eve"), ("MARTIN", "Jean"),
                           ("MARTIN", "Luc"), ("MARTINI", "Paul")]  # fmt: skip


@pytest.mark.parametrize(("peek", "limit"), [(100, 1000), (2, 1000), (1, 2), (3, 3), (5, 2)])
def test_name_alone_walks_the_people_index(tmp_path, monkeypatch, django_assert_num_queries, peek, limit):
    # A name alone: one walk of the people in name order, counted in the statement that reads the first of them;
    # the results, their order, pages and capped counts are those of the general way.
    monkeypatch.setattr(selectors, "PEEK", peek)
    monkeypatch.setattr(selectors, "RESULTS_LIMIT", limit)
    eve = _import_martins(tmp_path)
    for name, first in [("mart", ""), ("martin", ""), ("martin", "pa"), ("m", ""), ("durand", ""), ("zola", "")]:
        for exclude in (None, eve.pk):
            results = search_professionals(name=name, first_name=first, exclude=exclude)
            assert results.page_from is not None and results.count_from is not None
            # The general way: the same filters without the walk (a filter added afterwards leaves it).
            everybody = [p.pk for p in results.filter(pk__gt=0)]
            search = partial(search_professionals, name=name, first_name=first, exclude=exclude)
            _assert_pages_as_general(search, everybody, limit, (name, first))
    # A queryset derived from the search is read and counted the general way, not by the walk.
    doctors = Professional.objects.filter(search_last_name__startswith="mart", is_active=True, profession_code="10")
    general = list(doctors.order_by("search_last_name", "search_first_name", "id").values_list("pk", flat=True))
    assert search_professionals(name="mart").last().pk == general[-1]
    assert [p.pk for p in search_professionals(name="mart").reverse()[0:3]] == general[::-1][:3]
    assert list(search_professionals(name="mart").values_list("pk", flat=True)[0:3]) == general[:3]
    assert [p.pk for p in search_professionals(name="mart").order_by("-id")[0:3]] == sorted(general, reverse=True)[:3]
    assert (
        list(search_professionals(name="mart").none()[0:3]) == []
        and search_professionals(name="mart").none().count() == 0
    )
    found = search_professionals(name="martin")[0:20]
    assert [(p.last_name, p.first_name) for p in found] == [
        ("MARTIN", "Anne"), ("MARTIN", "Eve"), ("MARTIN", "Jean"), ("MARTIN", "Luc"), ("MARTIN", "Paule"),
        ("MARTINEZ", "Émile"), ("MARTINI", "Paul")]  # fmt: skip
    assert all(p.place_list for p in found), "each person's places read with the page"
    with django_assert_num_queries(3):  # the walk counted, the page by primary key, the places
        results = search_professionals(name="martin")
        assert results.count() == min(7, limit + 1) and isinstance(results[0:1], list)


def test_a_kind_of_search_compiles_its_walk_once(directory, monkeypatch):
    """A name alone, or a name and a place of one kind: the walk's SQL is compiled for the first search only, each
    later one binds its own terms (core/prepared.py); their results stay each search's own."""
    compiled = []
    compile_ = selectors.Prepared._compile

    def counted(self, *args, **kwargs):
        compiled.append(self)
        return compile_(self, *args, **kwargs)

    monkeypatch.setattr(selectors.Prepared, "_compile", counted)
    for walk in (selectors._PEOPLE_WALK, selectors._PLACES_WALK):
        monkeypatch.setattr(walk, "_statements", {})
    for name, place, found in [
        ("martin", "", [("MARTIN", "Jean"), ("MARTIN", "Jean")]),
        ("lefev", "", [("LEFEVRE", "Anne"), ("LEFÈVRE", "Paul")]),
        ("martin", "69", [("MARTIN", "Jean")]),
        ("lefev", "13", [("LEFEVRE", "Anne")]),
        ("cas", "2A", [("CASANOVA", "Ange")]),
    ]:
        results = search_professionals(name=name, place=place)
        assert results.count() == len(found) and names(results[0:20]) == found, (name, place)
    assert compiled.count(selectors._PEOPLE_WALK) == 1
    assert compiled.count(selectors._PLACES_WALK) == 1
