"""core.prepared: a read compiled once gives what its queryset gives, binds each call's values, and refuses a
value the SQL would not bind."""

import datetime

import pytest
from django.db import connection
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.prepared import MAX_SHAPES, Prepared, planned_for_their_values
from dossiers.models import Dossier, Status
from journal.models import Entry
from tests.factories import DossierFactory, EntryFactory, ProfessionalFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def _dossiers(*, doctor, status, since, born_before, numbers):
    return (
        Dossier.objects.filter(
            medecin_traitant_id=doctor,
            status=status,
            updated_at__gte=since,
            patient__birth_date__lt=born_before,
            number__in=numbers,
        )
        .select_related("patient", "medecin_traitant")
        .annotate(entries=Count("journal_entries"))
        .order_by("-updated_at", "-id")
    )


DOSSIERS = Prepared(Dossier, _dossiers)


@pytest.fixture
def two_doctors():
    first, second = ProfessionalFactory(), ProfessionalFactory()
    made = []
    for k in range(6):
        made.append(
            DossierFactory(
                medecin_traitant=first if k % 2 else second,
                status=Status.IN_PROGRESS if k % 3 else Status.ARCHIVED,
                updated_at=NOW - datetime.timedelta(days=k),
                patient__birth_date=datetime.date(1930 + k, 1, 1),
                volet_administratif={"Adresse": f"{k} rue de la Paix"},
            )
        )
    return first, second, made


def _same(prepared_rows, queryset):
    expected = list(queryset)

    def seen(d):
        # Values the database driver and the fields convert (dates, times, JSON), kept per connection.
        return (d.pk, d.patient.birth_name, d.patient.birth_date, d.medecin_traitant_id, d.entries, d.updated_at,
                d.volet_administratif)  # fmt: skip

    assert [seen(d) for d in prepared_rows] == [seen(d) for d in expected]
    return expected


def test_rows_related_objects_and_annotations_are_the_querysets(two_doctors, django_assert_num_queries):
    first, second, made = two_doctors
    values = {
        "doctor": first.pk,
        "status": Status.IN_PROGRESS,
        "since": NOW - datetime.timedelta(days=4, hours=1),
        "born_before": datetime.date(1935, 6, 1),
        "numbers": [d.number for d in made],
    }
    with django_assert_num_queries(1):  # the patient and the doctor come with the rows
        rows = DOSSIERS.fetch(**values)
        assert [d.patient.birth_name for d in rows]
    expected = _same(rows, DOSSIERS.queryset(**values))
    assert [d.pk for d in expected] == [made[1].pk], "the filters must choose among the dossiers"
    # Each call binds its own values to the same statement.
    other = {**values, "doctor": second.pk, "status": Status.ARCHIVED}
    assert [d.pk for d in _same(DOSSIERS.fetch(**other), DOSSIERS.queryset(**other))] == [made[0].pk]
    assert DOSSIERS.count(**values) == 1
    assert DOSSIERS.count(**other) == DOSSIERS.queryset(**other).count() == 1


# The dossiers are only read: one set for every example.
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    doctor=st.sampled_from(["first", "second", "nobody"]),
    status=st.sampled_from([s.value for s in Status]),
    days=st.integers(min_value=0, max_value=8),
    year=st.integers(min_value=1928, max_value=1938),
    chosen=st.lists(st.integers(min_value=0, max_value=5), max_size=6),
)
def test_any_values_find_what_the_queryset_finds(two_doctors, doctor, status, days, year, chosen):
    first, second, made = two_doctors
    values = {
        "doctor": {"first": first.pk, "second": second.pk, "nobody": 0}[doctor],
        "status": status,
        "since": NOW - datetime.timedelta(days=days),
        "born_before": datetime.date(year, 1, 1),
        "numbers": [made[k].number for k in chosen],
    }
    if not values["numbers"]:
        values["numbers"] = ["aucun"]
    _same(DOSSIERS.fetch(**values), DOSSIERS.queryset(**values))
    assert DOSSIERS.count(**values) == DOSSIERS.queryset(**values).count()


def test_values_lists_subqueries_and_slices(two_doctors):
    first, _, made = two_doctors
    EntryFactory(on_dossier=True, dossier=made[1])
    latest = Entry.objects.filter(dossier_id=OuterRef("pk")).order_by("-id").values("pk")[:1]

    def build(*, doctor, shape):
        queryset = (
            Dossier.objects.filter(medecin_traitant_id=doctor)
            .annotate(last=Subquery(latest), doctor_name=F("medecin_traitant__last_name"))
            .order_by("number")
            .values_list("number", "last", "doctor_name")
        )
        return queryset[shape : shape + 2]

    prepared = Prepared(Dossier, build)
    for offset in (0, 1, 2):
        assert prepared.fetch(doctor=first.pk, shape=offset) == list(prepared.queryset(doctor=first.pk, shape=offset))
        assert prepared.count(doctor=first.pk, shape=offset) == prepared.queryset(doctor=first.pk, shape=offset).count()
    assert prepared.fetch(doctor=first.pk, shape=0)[0][1] is not None, "the subquery must find the entry"
    assert prepared.first(doctor=first.pk, shape=2) == next(iter(prepared.queryset(doctor=first.pk, shape=2)))


def test_compiled_once_per_shape(two_doctors):
    first, _, _ = two_doctors
    built = []

    def build(*, doctor, shape):
        built.append(shape)
        return Dossier.objects.filter(medecin_traitant_id=doctor).order_by("pk")[shape : shape + 1]

    prepared = Prepared(Dossier, build)
    for _ in range(3):
        prepared.fetch(doctor=first.pk, shape=0)
        prepared.fetch(doctor=first.pk + 1, shape=0)
    assert built == [0]
    prepared.fetch(doctor=first.pk, shape=1)
    assert built == [0, 1]
    # Shapes beyond the bound are compiled each time, not kept (a page number must not grow memory).
    for shape in range(2, MAX_SHAPES + 5):
        prepared.fetch(doctor=first.pk, shape=shape)
    built.clear()
    prepared.fetch(doctor=first.pk, shape=MAX_SHAPES + 3)
    prepared.fetch(doctor=first.pk, shape=MAX_SHAPES + 3)
    assert built == [MAX_SHAPES + 3] * 2
    # A list of another length is another statement (one placeholder per item).
    by_numbers = Prepared(Dossier, lambda *, numbers: Dossier.objects.filter(number__in=numbers))
    assert by_numbers.fetch(numbers=["x"]) == []
    assert by_numbers.count(numbers=["x", "y"]) == 0


def test_a_value_the_sql_does_not_bind_as_it_is_is_refused():
    contains = Prepared(Dossier, lambda *, word: Dossier.objects.filter(patient__search_name__contains=word))
    with pytest.raises(ValueError, match=r"\['word'\] not bound"):
        contains.fetch(word="martin")
    flag = Prepared(Dossier, lambda *, active: Dossier.objects.filter(medecin_traitant__is_active=active))
    with pytest.raises(TypeError, match="boolean"):
        flag.fetch(active=True)


def test_a_queryset_that_can_find_nothing():
    nothing = Prepared(Dossier, lambda *, numbers: Dossier.objects.filter(number__in=numbers))
    assert nothing.fetch(numbers=[]) == []
    assert nothing.count(numbers=[]) == 0
    DossierFactory(number="T-1")
    assert [d.number for d in nothing.fetch(numbers=["T-1"])] == ["T-1"]


@pytest.fixture
def one_doctor(two_doctors):
    """The six dossiers given to the first doctor, and a read of a doctor's dossiers in order."""
    first, _, made = two_doctors
    for dossier in made:
        dossier.medecin_traitant = first
        dossier.save()
    by_doctor = Prepared(Dossier, lambda *, doctor: Dossier.objects.filter(medecin_traitant_id=doctor).order_by("pk"))
    return first, by_doctor


def test_rows_slice_and_count_as_the_queryset_does(one_doctor):
    from django.core.paginator import Paginator

    from core.pagination import BoundedPaginator

    first, by_doctor = one_doctor
    rows, queryset = by_doctor.rows(doctor=first.pk), by_doctor.queryset(doctor=first.pk)
    assert rows.count() == queryset.count() == 6
    for start, stop, then in [(0, 4, (1, 2)), (2, None, (1, 9)), (1, 5, (3, None)), (4, 4, (0, 1)), (0, 9, (5, 9))]:
        got = [d.pk for d in rows[start:stop][then[0] : then[1]]]
        assert got == [d.pk for d in queryset[start:stop][then[0] : then[1]]], (start, stop, then)
        assert rows[start:stop][then[0] : then[1]].count() == queryset[start:stop][then[0] : then[1]].count()
    for number in (1, 2, 3):
        page = Paginator(by_doctor.rows(doctor=first.pk), 4).get_page(number)
        assert [d.pk for d in page] == [d.pk for d in Paginator(queryset, 4).get_page(number)]
        bounded = BoundedPaginator(by_doctor.rows(doctor=first.pk), 2, requested_page=number)
        assert bounded.count == BoundedPaginator(queryset, 2, requested_page=number).count
        assert [d.pk for d in bounded.get_page(number)] == [d.pk for d in queryset[(number - 1) * 2 : number * 2]]
    with pytest.raises(TypeError):
        rows[2]


def test_the_time_read_inside_build_is_refused():
    now = Prepared(
        Dossier, lambda *, doctor: Dossier.objects.filter(medecin_traitant=doctor, updated_at__lt=timezone.now())
    )
    with pytest.raises(ValueError, match="date or time compiled in"):
        now.fetch(doctor=1)
    today = Prepared(
        Dossier,
        lambda *, doctor: Dossier.objects.filter(medecin_traitant=doctor, created_at__date=timezone.localdate()),
    )
    with pytest.raises(ValueError, match="date or time compiled in"):
        today.fetch(doctor=1)
    given = Prepared(
        Dossier, lambda *, doctor, now: Dossier.objects.filter(medecin_traitant=doctor, updated_at__lt=now)
    )
    assert given.fetch(doctor=1, now=timezone.now()) == []


def test_a_value_the_lookup_escapes_is_refused_where_it_does(two_doctors):
    """SQLite's iexact is a LIKE: the value's « _ » and « % » are escaped, so binding it as given would widen the
    match. The stand-in holds them, so the statement is refused there; PostgreSQL compares UPPER() of both."""
    from django.db import connection

    first, _, made = two_doctors
    number = made[1].number
    by_number = Prepared(Dossier, lambda *, number: Dossier.objects.filter(number__iexact=number))
    if connection.vendor == "sqlite":
        with pytest.raises(ValueError, match=r"\['number'\] not bound"):
            by_number.fetch(number=number.lower())
    else:
        assert [d.pk for d in by_number.fetch(number=number.lower())] == [made[1].pk]
        assert by_number.fetch(number=number[:-1] + "_") == []


def test_a_long_list_is_compiled_for_its_call_and_still_right(two_doctors):
    from core.prepared import MAX_LIST

    _, _, made = two_doctors
    by_numbers = Prepared(Dossier, lambda *, numbers: Dossier.objects.filter(number__in=numbers).order_by("number"))
    numbers = [f"X-{k}" for k in range(MAX_LIST)] + [made[2].number, made[4].number]
    assert [d.pk for d in by_numbers.fetch(numbers=numbers)] == [made[2].pk, made[4].pk]
    assert by_numbers.count(numbers=numbers) == 2
    assert [d.pk for d in by_numbers.rows(numbers=numbers)[1:]] == [made[4].pk]
    assert not by_numbers._statements, "no statement kept for a list that long"


def test_a_value_also_bound_transformed_is_refused(two_doctors):
    """Bound once as it is and once changed (`contains`): the changed copy would stay the first call's stand-in,
    and the exclusion would never apply."""
    first, _, _ = two_doctors
    both = Prepared(
        Dossier,
        lambda *, doctor, word: (
            Dossier.objects.filter(medecin_traitant=doctor)
            .exclude(number__contains=word)
            .filter(Q(number__gt=word) | Q(number__lt=word))
        ),
    )
    with pytest.raises(ValueError, match="bound transformed"):
        both.fetch(doctor=first.pk, word="T-")


def test_a_queryset_empty_for_its_stand_ins_is_refused():
    # Django (5.0+) finds an integer out of the column's range empty before the database: so would every call be.
    by_version = Prepared(Dossier, lambda *, version: Dossier.objects.filter(version=version))
    with pytest.raises(ValueError, match="compiled this queryset to nothing"):
        by_version.fetch(version=1)


def test_distinct_values_are_counted_as_the_queryset_counts(two_doctors):
    statuses = Prepared(
        Dossier, lambda *, since: Dossier.objects.filter(updated_at__gte=since).values_list("status").distinct()
    )
    since = NOW - datetime.timedelta(days=30)
    assert statuses.count(since=since) == statuses.queryset(since=since).count() == 2
    assert statuses.count(since=since) == len(statuses.fetch(since=since))


def test_every_page_is_compiled_once_its_numbers_written_in(one_doctor):
    """A page's LIMIT and OFFSET are written in its SQL as Django writes a slice's, not bound: PostgreSQL can then
    keep one plan for a page read often (docs/performance.md)."""
    first, by_doctor = one_doctor
    run: list[tuple[str, tuple]] = []

    def seen(execute, sql, params, many, context):
        run.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(seen):
        list(by_doctor.rows(doctor=first.pk)[3:5])
    ((sql, params),) = run
    assert sql.endswith(" LIMIT 2 OFFSET 3") and params == (first.pk,), (sql, params)
    expected = [d.pk for d in by_doctor.queryset(doctor=first.pk)]
    for start in range(1, 6):
        assert [d.pk for d in by_doctor.rows(doctor=first.pk)[start : start + 2]] == expected[start : start + 2]
        assert by_doctor.rows(doctor=first.pk)[: start + 1].count() == min(start + 1, 6)
        assert [d.pk for d in by_doctor.rows(doctor=first.pk)[start:]] == expected[start:]
    # Rows from a start to a stop, rows from a start to the end, the count up to a stop: three statements for
    # every page.
    assert len(by_doctor._statements) == 3
    sliced = Prepared(Dossier, lambda *, doctor: Dossier.objects.filter(medecin_traitant_id=doctor)[:2])
    with pytest.raises(ValueError, match="must not slice"):
        list(sliced.rows(doctor=first.pk)[1:2])


def test_a_naive_date_and_time_is_refused():
    recent = Prepared(Dossier, lambda *, since: Dossier.objects.filter(updated_at__gte=since))
    with pytest.raises(ValueError, match="naive"):
        recent.fetch(since=datetime.datetime(2026, 12, 3, 10, 0))  # noqa: DTZ001  # the point


@pytest.mark.django_db
def test_planned_for_their_values_turns_preparing_off_then_back_on():
    if connection.vendor != "postgresql":
        with planned_for_their_values():  # nothing prepared this way on SQLite: nothing to do
            assert Entry.objects.count() == 0
        return
    connection.ensure_connection()
    assert connection.connection.prepare_threshold == 5  # settings: DATABASE_SERVER_SIDE_BINDING
    with pytest.raises(ZeroDivisionError), planned_for_their_values():
        assert connection.connection.prepare_threshold is None
        _ = 1 / 0
    assert connection.connection.prepare_threshold == 5


def test_rows_read_as_columns_are_counted_without_them(one_doctor):
    # A list read as values (what it shows, the patient's columns among them): the rows are the queryset's
    # values_list, pages and counts too, and the count reads the doctor's dossiers alone, not their patients.
    from django.test.utils import CaptureQueriesContext

    first, _ = one_doctor
    columns = ("number", "patient__birth_name", "patient__birth_date", "updated_at")
    listed = Prepared(
        Dossier,
        lambda *, doctor: Dossier.objects.filter(medecin_traitant_id=doctor).order_by("-updated_at", "-id"),
        columns=columns,
    )
    queryset = listed.queryset(doctor=first.pk)
    assert list(queryset) == list(
        Dossier.objects.filter(medecin_traitant_id=first.pk).order_by("-updated_at", "-id").values_list(*columns)
    )
    assert listed.fetch(doctor=first.pk) == list(queryset)
    for start, stop in ((0, 2), (2, 5), (4, 9)):
        assert list(listed.rows(doctor=first.pk)[start:stop]) == list(queryset[start:stop])
        with CaptureQueriesContext(connection) as counting:
            counted = listed.rows(doctor=first.pk)[start:stop].count()
        assert counted == listed.queryset(doctor=first.pk)[start:stop].count()
        (sql,) = [query["sql"] for query in counting.captured_queries]
        assert "dossiers_patient" not in sql, sql
    distinct = Prepared(Dossier, lambda *, doctor: Dossier.objects.filter(pk=doctor).distinct(), columns=columns)
    with pytest.raises(ValueError, match="distinct"):
        distinct.count(doctor=first.pk)
    # Through a many-valued relation (a dossier's journal entries) a dossier would be read as several rows.
    with pytest.raises(ValueError, match="journal_entries"):
        Prepared(Dossier, lambda *, doctor: Dossier.objects.all(), columns=("number", "journal_entries__action"))


def test_sql_with_params_reads_as_the_queryset_in_another_statement(two_doctors):
    """The kept SQL of the first `stop` rows and this call's values, for a statement that wraps it (the directory's
    walks, counted in the statement that reads them); EmptyResultSet as Django's own."""
    from django.core.exceptions import EmptyResultSet

    from core.prepared import MAX_LIST

    _, _, made = two_doctors
    numbers = Prepared(
        Dossier, lambda *, numbers: Dossier.objects.filter(number__in=numbers).order_by("number").values_list("pk")
    )

    def wrapped(**values) -> list:
        sql, params = numbers.sql_with_params(**values)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM ({sql}) AS kept ORDER BY 1", params)  # noqa: S608  # the kept SQL
            return [row[0] for row in cursor.fetchall()]

    for chosen in ([0, 2, 4], [5, 3, 1]):
        wanted = [made[k].number for k in chosen]
        first_two = Dossier.objects.filter(number__in=wanted).order_by("number")[:2].values_list("pk", flat=True)
        assert wrapped(numbers=wanted, stop=2) == sorted(first_two)
        assert wrapped(numbers=wanted) == sorted(made[k].pk for k in chosen)
    assert len(numbers._statements) == 2, "compiled once with a window and once without, whatever the values"
    with pytest.raises(EmptyResultSet):
        numbers.sql_with_params(numbers=[])
    too_long = [f"X-{k}" for k in range(MAX_LIST)] + [made[1].number]
    assert wrapped(numbers=too_long, stop=5) == [made[1].pk]


def test_a_page_of_tuples_comes_with_its_bounded_count_in_one_statement(one_doctor, monkeypatch):
    """BoundedPaginator reads a page of tuples and its bounded count together (PreparedRows.page_and_count for a
    prepared read, queryset_page_and_count for a queryset): the same page, count and « more » as read apart, in
    one statement when the page asked holds rows."""
    from django.test.utils import CaptureQueriesContext

    from core import pagination
    from core.pagination import BoundedPaginator

    class Apart(BoundedPaginator):
        def _with_count(self, number):
            return None  # Django's way: the count, then the page

    monkeypatch.setattr(pagination, "PAGES_AHEAD", 1)  # so that the count stops short of the 6 dossiers
    first, _ = one_doctor
    listed = Prepared(
        Dossier,
        lambda *, doctor, since: Dossier.objects.filter(medecin_traitant_id=doctor, updated_at__gte=since).order_by(
            "-updated_at", "-id"
        ),
        columns=("number", "patient__birth_name", "updated_at"),
    )
    for doctor in (first.pk, -1):  # six dossiers, none
        values = {"doctor": doctor, "since": NOW - datetime.timedelta(days=30)}
        for read in (listed.rows, listed.queryset):
            for per_page in (1, 2, 4):
                for asked in (None, 1, "1", "2", "3", "7", "x", "0"):
                    requested = int(asked) if str(asked).isdecimal() else 1
                    expected = Apart(listed.queryset(**values), per_page, requested_page=requested)
                    wanted = expected.get_page(asked)
                    paginator = BoundedPaginator(read(**values), per_page, requested_page=requested)
                    with CaptureQueriesContext(connection) as statements:
                        page = paginator.get_page(asked)
                        rows = list(page)
                    case = (doctor, read.__name__, per_page, asked)
                    assert rows == list(wanted), case
                    counted = (page.number, paginator.count, paginator.more)
                    assert counted == (wanted.number, expected.count, expected.more), case
                    if str(asked) == str(page.number):
                        assert len(statements.captured_queries) == 1, case
    assert any(key[1] == "paged" for key in listed._statements)  # the statement kept
    # Rows that are not tuples are read apart, as Django reads them.
    models = Prepared(Dossier, lambda *, doctor: Dossier.objects.filter(medecin_traitant_id=doctor).order_by("pk"))
    first_four = sorted(Dossier.objects.values_list("pk", flat=True))[:4]
    for read in (models.rows, models.queryset):
        paginator = BoundedPaginator(read(doctor=first.pk), 4, requested_page=1)
        with CaptureQueriesContext(connection) as statements:
            assert [d.pk for d in paginator.get_page(1)] == first_four
        assert len(statements.captured_queries) == 2 and paginator.count == 6
