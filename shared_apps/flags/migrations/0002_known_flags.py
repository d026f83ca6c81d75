from django.db import migrations

KNOWN = ("dashboard", "onboarding", "billing")


def create_flags(apps, schema_editor):
    Flag = apps.get_model("flags", "Flag")
    for name in KNOWN:
        Flag.objects.get_or_create(name=name, defaults={"mode": "on"})


class Migration(migrations.Migration):
    """The three known flags, on for everyone: the product behaves as it did before the flags."""

    dependencies = [("flags", "0001_flag")]

    operations = [migrations.RunPython(create_flags, migrations.RunPython.noop)]
