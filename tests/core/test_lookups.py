import pytest
from django.db.models import F

from core.lookups import Among
from journal.models import Action, Entry
from tests.factories import EntryFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("values", [[], ["dossier_viewed'; DROP TABLE journal_entry; --"], ["Majuscule"], ["a b"]])
def test_only_fixed_words_are_written_in(values):
    with pytest.raises(ValueError, match="Among"):
        Among(F("action"), values)


def test_written_in_the_sql_and_found_as_in_finds():
    viewed = EntryFactory(action=Action.DOSSIER_VIEWED)
    created = EntryFactory(action=Action.DOSSIER_CREATED)
    login = EntryFactory(action=Action.LOGIN)
    two = [Action.DOSSIER_VIEWED, Action.DOSSIER_CREATED]
    among = Entry.objects.filter(Among(F("action"), two))
    sql, params = among.query.sql_with_params()
    assert "IN ('dossier_viewed', 'dossier_created')" in sql and "dossier_viewed" not in params
    assert set(among) == set(Entry.objects.filter(action__in=two)) == {viewed, created}
    one = Entry.objects.exclude(Among(F("action"), [Action.DOSSIER_VIEWED]))
    assert "= 'dossier_viewed'" in str(one.query)
    assert set(one) == set(Entry.objects.exclude(action=Action.DOSSIER_VIEWED)) == {created, login}


def test_like_binds_the_pattern_as_given():
    """Django's startswith adds the `%` to the value it binds: a prepared read could not bind the searched text."""
    from core.lookups import Like
    from directory.models import Professional
    from tests.factories import ProfessionalFactory

    lefevre, lefort = ProfessionalFactory(last_name="LEFEVRE"), ProfessionalFactory(last_name="LEFORT")
    ProfessionalFactory(last_name="DELEFE")
    like = Professional.objects.filter(Like(F("search_last_name"), "lef%"))
    sql, params = like.query.sql_with_params()
    assert '"search_last_name" LIKE %s' in sql and params[-1] == "lef%"
    assert set(like) == set(Professional.objects.filter(search_last_name__startswith="lef")) == {lefevre, lefort}
    assert list(Professional.objects.filter(Like(F("search_last_name"), "lefo%"))) == [lefort]
