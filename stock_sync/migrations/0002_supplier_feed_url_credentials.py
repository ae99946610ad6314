# Credentials written into a supplier's feed URL move to write-only fields.

from django.db import migrations, models


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
        # Going back leaves the credentials in their own fields: they are never merged into the shown URL.
        migrations.RunPython(split_stored_feed_urls, migrations.RunPython.noop),
    ]
