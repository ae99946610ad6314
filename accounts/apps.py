from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Customer accounts"

    def ready(self) -> None:
        from shop.demo_catalog import demo_catalog_loaded

        from . import signals  # noqa: F401  (connects allauth's email_confirmed)
        from .demo_customer import load_demo_customer_with_the_catalog

        demo_catalog_loaded.connect(load_demo_customer_with_the_catalog, dispatch_uid="accounts-demo-customer")
