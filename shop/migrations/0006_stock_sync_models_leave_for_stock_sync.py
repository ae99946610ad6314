# Suppliers, their SKU mappings, sync runs, row errors and the low-stock view moved to the stock_sync
# app. Only Django's record of the models goes: their tables and rows stay where they are, and
# stock_sync's first migration takes them over under the same table names.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('shop', '0005_api_token'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='LowStockProduct'),
                migrations.DeleteModel(name='StockSyncRowError'),
                migrations.DeleteModel(name='SupplierProduct'),
                migrations.DeleteModel(name='StockSyncRun'),
                migrations.DeleteModel(name='Supplier'),
            ],
            database_operations=[],
        ),
    ]
