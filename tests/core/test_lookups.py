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
