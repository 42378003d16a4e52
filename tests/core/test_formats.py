"""The `strftime` filter writes dates as Django's `date` filter did, in the application's time zone."""

import datetime
import zoneinfo

from django.template import engines
from django.utils import timezone

FORMATS = [("d/m/Y H:i:s", "%d/%m/%Y %H:%M:%S"), ("d/m/Y à H:i", "%d/%m/%Y à %H:%M"), ("d/m/Y H:i", "%d/%m/%Y %H:%M")]


def render(source, **context):
    return engines["django"].from_string("{% load formats %}" + source).render(context)


def test_datetimes_as_the_date_filter_writes_them_across_both_time_changes():
    # Every 97 hours over 400 days: winter and summer time, both changes, any hour of the day.
    start = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    moments = [start + datetime.timedelta(hours=97 * k, seconds=k) for k in range(100)]
    for django_format, strftime_format in FORMATS:
        expected = render(f'{{% for m in moments %}}{{{{ m|date:"{django_format}" }}}};{{% endfor %}}', moments=moments)
        written = render(
            f'{{% for m in moments %}}{{{{ m|strftime:"{strftime_format}" }}}};{{% endfor %}}', moments=moments
        )
        assert written == expected


def test_in_the_application_time_zone_not_utc():
    # 23:30 UTC on 31 March 2026 is 01:30 on 1 April in Paris (summer time).
    moment = datetime.datetime(2026, 3, 31, 23, 30, tzinfo=datetime.UTC)
    assert render('{{ m|strftime:"%d/%m/%Y à %H:%M" }}', m=moment) == "01/04/2026 à 01:30"
    with timezone.override(zoneinfo.ZoneInfo("America/Cayenne")):
        assert render('{{ m|strftime:"%d/%m/%Y %H:%M" }}', m=moment) == "31/03/2026 20:30"


def test_dates_and_nothing():
    day = datetime.date(1931, 2, 3)
    assert render('{{ d|strftime:"%d/%m/%Y" }}', d=day) == render('{{ d|date:"d/m/Y" }}', d=day) == "03/02/1931"
    assert render('{{ d|strftime:"%d/%m/%Y"|default:"aucune" }}', d=None) == "aucune"
    assert render('{{ d|strftime:"%d/%m/%Y" }}', d="") == ""
