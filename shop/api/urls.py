from django.urls import path

from . import views

app_name = "shop-api"
urlpatterns = [
    path("products/", views.ProductListView.as_view(), name="product-list"),
    path("search/suggestions/", views.SearchSuggestionsView.as_view(), name="search-suggestions"),
    path("products/<slug:slug>/", views.ProductDetailView.as_view(), name="product-detail"),
    path("nutrients/", views.NutrientListView.as_view(), name="nutrient-list"),
    path("foods/", views.FoodListView.as_view(), name="food-list"),
    path("orders/", views.OrderListView.as_view(), name="order-list"),
    path("orders/<uuid:public_id>/", views.OrderDetailView.as_view(), name="order-detail"),
    path("orders/<uuid:public_id>/pay/", views.OrderPayView.as_view(), name="order-pay"),
    path("orders/<uuid:public_id>/ship/", views.OrderShipView.as_view(), name="order-ship"),
    path("orders/<uuid:public_id>/cancel/", views.OrderCancelView.as_view(), name="order-cancel"),
    path("auth/token/", views.TokenObtainView.as_view(), name="token-obtain"),
]
