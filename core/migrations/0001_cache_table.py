"""The database cache table (settings.CACHES), as `manage.py createcachetable` creates it.

In a migration so that every `migrate` (make run, production, the test databases) has it: the rate limits
count attempts there, shared by all the instances of the application.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
