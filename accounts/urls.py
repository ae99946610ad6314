from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("orders/<uuid:public_id>/", views.order_detail, name="order_detail"),
    path("orders/<uuid:public_id>/order-again/", views.order_again, name="order_again"),
    path("address/", views.address_edit, name="address"),
    path("preferences/", views.preferences_edit, name="preferences"),
    path("my-data.json", views.data_export, name="export"),
    path("delete/", views.account_delete, name="delete"),
]
