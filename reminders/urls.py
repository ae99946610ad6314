from django.urls import path

from . import views

app_name = "reminders"

urlpatterns = [
    path("u/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("order-again/<str:token>/", views.order_again, name="order_again"),
    path("back-in-stock/<int:product_id>/", views.back_in_stock_request, name="back_in_stock_request"),
    path("back-in-stock/confirm/<str:token>/", views.back_in_stock_confirm, name="back_in_stock_confirm"),
]
