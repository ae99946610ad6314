from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = "Reminder emails"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save, pre_delete

        from accounts.hooks import customer_data_exporters
        from accounts.models import EmailPreferences
        from shop.page_extras import PRODUCT_BUY_BOX, page_extra_register
        from shop.signals import stock_became_available

        from . import back_in_stock, refill
        from .lists import email_list_register
        from .selectors import customer_reminders_export
        from .signals import forget_deleted_customer, preferences_follow_lists, queue_back_in_stock_emails

        email_list_register(refill.LIST_NAME, label="refill reminders", preference_field="refill_reminders")
        email_list_register(
            back_in_stock.LIST_NAME,
            label="back-in-stock emails",
            preference_field="back_in_stock",
            on_unsubscribe=back_in_stock.back_in_stock_cancel_for,
        )
        customer_data_exporters.register("reminders", customer_reminders_export)
        stock_became_available.connect(queue_back_in_stock_emails, dispatch_uid="reminders-back-in-stock")
        post_save.connect(preferences_follow_lists, sender=EmailPreferences, dispatch_uid="reminders-preferences")
        pre_delete.connect(forget_deleted_customer, sender=get_user_model(), dispatch_uid="reminders-forget-customer")
        page_extra_register(PRODUCT_BUY_BOX, "reminders/_back_in_stock_box.html")
