"""Hash chain, step 3: every entry has its sequence number, unique."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('journal', '0005_backfill_chain'),
    ]

    operations = [
        migrations.AlterField(
            model_name='entry',
            name='sequence',
            field=models.PositiveBigIntegerField(editable=False, unique=True, verbose_name="numéro d'ordre"),
        ),
    ]
