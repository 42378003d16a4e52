"""Hash chain, step 1: the new columns, empty (sequence nullable) until 0005 fills them."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('journal', '0003_entry_delegation_alter_entry_action'),
    ]

    operations = [
        migrations.AddField(
            model_name='entry',
            name='sequence',
            field=models.PositiveBigIntegerField(editable=False, null=True, verbose_name="numéro d'ordre"),
        ),
        migrations.AddField(
            model_name='entry',
            name='prev_hash',
            field=models.CharField(default='', editable=False, max_length=64, verbose_name='empreinte précédente'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='entry',
            name='hash',
            field=models.CharField(default='', editable=False, max_length=64, verbose_name='empreinte'),
            preserve_default=False,
        ),
    ]
