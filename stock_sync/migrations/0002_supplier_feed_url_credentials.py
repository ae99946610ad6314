# Credentials written into a supplier's feed URL move to write-only fields. Written on main as shop
# 0005_supplier_feed_url_credentials, while the model still lived in the shop app, and folded in
# here when the app split reached main.

from django.db import migrations, models

COLUMNS = ["feed_url_userinfo", "feed_url_secret_query"]


def add_missing_columns(apps, schema_editor):
    # A database migrated on main between the credential change and the app split has the columns
    # already (from that shop migration): only the missing ones are added.
    Supplier = apps.get_model("stock_sync", "Supplier")
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        existing = {column.name for column in connection.introspection.get_table_description(
            cursor, Supplier._meta.db_table
        )}
    for name in COLUMNS:
        if name not in existing:
            schema_editor.add_field(Supplier, Supplier._meta.get_field(name))


def remove_columns(apps, schema_editor):
    Supplier = apps.get_model("stock_sync", "Supplier")
    for name in COLUMNS:
        schema_editor.remove_field(Supplier, Supplier._meta.get_field(name))


def split_stored_feed_urls(apps, schema_editor):
    """Move credentials already written into feed URLs to the write-only fields."""
    from stock_sync.feed_urls import split_feed_url

    Supplier = apps.get_model("stock_sync", "Supplier")
    for supplier in Supplier.objects.all():
        split = split_feed_url(supplier.feed_url)
        if split.userinfo or split.secret_query:
            supplier.feed_url = split.url
            supplier.feed_url_userinfo = split.userinfo
            supplier.feed_url_secret_query = split.secret_query
            supplier.save(update_fields=["feed_url", "feed_url_userinfo", "feed_url_secret_query"])


class Migration(migrations.Migration):

    dependencies = [
        ("stock_sync", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="supplier",
                    name="feed_url_userinfo",
                    field=models.CharField(blank=True, editable=False, max_length=500),
                ),
                migrations.AddField(
                    model_name="supplier",
                    name="feed_url_secret_query",
                    field=models.CharField(blank=True, editable=False, max_length=500),
                ),
            ],
        ),
        migrations.RunPython(add_missing_columns, remove_columns),
        # Going back leaves the credentials in their own fields: they are never merged into the shown URL.
        migrations.RunPython(split_stored_feed_urls, migrations.RunPython.noop),
    ]
