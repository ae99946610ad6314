from django.apps import AppConfig


class StockSyncConfig(AppConfig):
    name = "stock_sync"
    verbose_name = "Stock sync"

    def ready(self) -> None:
        from shop.demo_catalog import demo_catalog_loaded

        from .demo_supplier import load_demo_supplier_with_the_catalog

        demo_catalog_loaded.connect(load_demo_supplier_with_the_catalog, dispatch_uid="stock-sync-demo-supplier")
