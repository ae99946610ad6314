from decimal import Decimal

from django.db import migrations, models
from django.db.models import F


def backfill_subtotals(apps, schema_editor):
    """Orders placed before shipping was charged: the goods were the whole total, shipping nothing."""
    Order = apps.get_model("shop", "Order")
    Order.objects.update(subtotal=F("total"), shipping_cost=Decimal("0.00"))


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0010_product_label_fields"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="subtotal",
            field=models.DecimalField(decimal_places=2, max_digits=10, null=True, verbose_name="goods"),
        ),
        migrations.AddField(
            model_name="order",
            name="shipping_cost",
            field=models.DecimalField(decimal_places=2, default=Decimal("0.00"), max_digits=8),
        ),
        migrations.AddField(
            model_name="order",
            name="shipping_days",
            field=models.CharField(
                blank=True,
                help_text="The delivery time promised when the order was placed.",
                max_length=40,
                verbose_name="delivery time",
            ),
        ),
        migrations.RunPython(backfill_subtotals, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="order",
            name="subtotal",
            field=models.DecimalField(decimal_places=2, max_digits=10, verbose_name="goods"),
        ),
    ]
