"""Product search (shop.search): the stored search document, filled for existing products; on
PostgreSQL also pg_trgm (typo correction) and a GIN index on the document's tsvector."""
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import TrigramExtension
from django.contrib.postgres.search import SearchVector
from django.db import migrations, models

# The expression shop.search filters on (``_ts_vector``): the index is used only if they are equal.
SEARCH_INDEX = GinIndex(SearchVector("search_document", config="simple"), name="shop_product_search_gin")


def fill_search_documents(apps, schema_editor):
    from shop.search import DoseText, search_document_from

    Product = apps.get_model("shop", "Product")
    ProductNutrient = apps.get_model("shop", "ProductNutrient")
    form_labels = dict(Product._meta.get_field("form").choices)
    doses = {}
    for amount in ProductNutrient.objects.select_related("nutrient"):
        nutrient = amount.nutrient
        doses.setdefault(amount.product_id, []).append(
            DoseText(nutrient.name, nutrient.short_name, nutrient.code == "d3", amount.amount_mcg)
        )
    for product in Product.objects.all():
        document = search_document_from(
            name=product.name, brand=product.brand, form_label=form_labels.get(product.form, product.form),
            description=product.description, doses=doses.get(product.pk, []),
        )
        Product.objects.filter(pk=product.pk).update(search_document=document)


def add_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("shop", "Product"), SEARCH_INDEX)


def remove_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("shop", "Product"), SEARCH_INDEX)


class Migration(migrations.Migration):
    dependencies = [("shop", "0004_supplier_run_stock_sync_permission")]

    operations = [
        # Does nothing on other databases than PostgreSQL.
        TrigramExtension(),
        migrations.AddField(
            model_name="product",
            name="search_document",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill_search_documents, migrations.RunPython.noop),
        migrations.RunPython(add_search_index, remove_search_index),
    ]
