from django.apps import AppConfig


class VitaminDConfig(AppConfig):
    name = "vitamin_d"
    verbose_name = "My vitamin D"

    def ready(self) -> None:
        from accounts.hooks import account_nav, customer_data_exporters
        from reminders.lists import email_list_register
        from shop.demo_catalog import demo_catalog_loaded

        from .demo import load_demo_timeline_with_the_catalog
        from .services import RETEST_LIST, customer_vitamin_d_export, retest_reminders_off_for

        customer_data_exporters.register("vitamin_d", customer_vitamin_d_export)
        account_nav.register(key="vitamin_d", label="My vitamin D", url_name="vitamin_d:page")
        email_list_register(RETEST_LIST, label="retest reminders", on_unsubscribe=retest_reminders_off_for)
        # After accounts' receiver (accounts comes first in INSTALLED_APPS), so the demo customer exists.
        demo_catalog_loaded.connect(load_demo_timeline_with_the_catalog, dispatch_uid="vitamin-d-demo-timeline")
