from django.urls import path

from . import views

app_name = "shop"
urlpatterns = [
    path("", views.home, name="home"),
    path("products/", views.product_list_view, name="product_list"),
    path("products/<slug:slug>/", views.product_detail, name="product_detail"),
    path("foods/", views.food_list, name="food_list"),
    path("nutrients/<slug:code>/", views.nutrient_detail, name="nutrient_detail"),
    path("cart/", views.cart_view, name="cart"),
    path("cart/add/", views.cart_add, name="cart_add"),
    path("cart/update/", views.cart_update, name="cart_update"),
    path("checkout/", views.checkout, name="checkout"),
    path("checkout/summary/", views.checkout_summary, name="checkout_summary"),
    path("orders/<uuid:public_id>/", views.order_confirmation, name="order_confirmation"),
]
