from django.db import migrations, models


def _raise_old_default(apps, schema_editor):
    """Displays still at the old default (0.5) take the new one: at 0.5 a digit one whole segment
    off its pattern passed as sure."""
    apps.get_model("inspection", "Display").objects.filter(min_confidence=0.5).update(min_confidence=0.51)


def _lower_to_old_default(apps, schema_editor):
    apps.get_model("inspection", "Display").objects.filter(min_confidence=0.51).update(min_confidence=0.5)


class Migration(migrations.Migration):
    dependencies = [
        ("inspection", "0006_meters"),
    ]

    operations = [
        migrations.AlterField(
            model_name="display",
            name="min_confidence",
            field=models.FloatField(default=0.51),
        ),
        migrations.RunPython(_raise_old_default, _lower_to_old_default),
    ]
