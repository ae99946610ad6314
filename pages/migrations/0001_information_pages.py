from urllib.parse import urlsplit

from django.conf import settings
from django.db import migrations

from pages.content import create_information_pages


def create_site_and_pages(apps, schema_editor):
    """The site flatpages belong to (named after the shop, not Django's "example.com"), and the
    information pages, so a fresh database has them after migrate."""
    Site = apps.get_model("sites", "Site")
    FlatPage = apps.get_model("flatpages", "FlatPage")
    site, _ = Site.objects.update_or_create(
        pk=settings.SITE_ID,
        defaults={"domain": urlsplit(settings.SHOP_BASE_URL).netloc or "localhost", "name": settings.SHOP_NAME},
    )
    create_information_pages(FlatPage, site)


class Migration(migrations.Migration):
    dependencies = [
        ("sites", "0002_alter_domain_unique"),
        ("flatpages", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_site_and_pages, migrations.RunPython.noop),
    ]
