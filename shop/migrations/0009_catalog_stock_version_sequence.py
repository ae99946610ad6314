"""The stock part of the catalog version: a sequence that stock writes advance without a lock
(shop.services.catalog_version). PostgreSQL only; on SQLite stock writes bump the CatalogVersion row."""
from django.db import migrations

SEQUENCE = "shop_catalog_stock_version"


def create_sequence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE}")


def drop_sequence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")


class Migration(migrations.Migration):
    dependencies = [("shop", "0008_product_search_document")]

    operations = [migrations.RunPython(create_sequence, drop_sequence, elidable=False)]
