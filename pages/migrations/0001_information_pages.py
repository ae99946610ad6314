from django.db import migrations

from pages.content import create_information_pages, shop_site


def create_site_and_pages(apps, schema_editor):
    """The site flatpages belong to, and the information pages, so a fresh database has them after migrate."""
    create_information_pages(apps.get_model("flatpages", "FlatPage"), shop_site(apps.get_model("sites", "Site")))


class Migration(migrations.Migration):
    dependencies = [
        ("sites", "0002_alter_domain_unique"),
        ("flatpages", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_site_and_pages, migrations.RunPython.noop),
    ]
