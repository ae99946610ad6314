from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    name = "subscriptions"
    verbose_name = "Subscriptions"

    def ready(self) -> None:
        from accounts.hooks import account_nav, customer_data_exporters
        from reminders.hooks import refill_exclusions
        from shop.demo_catalog import demo_catalog_loaded
        from shop.page_extras import CART_LINE, PRODUCT_BUY_BOX, page_extra_register

        from .demo import load_demo_subscription_with_the_catalog
        from .selectors import subscribed_product_ids
        from .services import customer_subscriptions_export

        customer_data_exporters.register("subscriptions", customer_subscriptions_export)
        refill_exclusions.register("subscriptions", subscribed_product_ids)
        account_nav.register(key="subscriptions", label="Subscriptions", url_name="subscriptions:list")
        page_extra_register(PRODUCT_BUY_BOX, "subscriptions/includes/product_subscribe.html")
        page_extra_register(CART_LINE, "subscriptions/includes/cart_line_subscribe.html")
        # Connected after accounts' receiver (INSTALLED_APPS order), so the demo customer exists.
        demo_catalog_loaded.connect(load_demo_subscription_with_the_catalog, dispatch_uid="subscriptions-demo")
