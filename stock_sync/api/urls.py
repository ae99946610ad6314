from django.urls import path

from . import views

app_name = "stock-sync-api"
urlpatterns = [
    path("suppliers/", views.SupplierListView.as_view(), name="supplier-list"),
    path("suppliers/<slug:slug>/sync/", views.SupplierSyncView.as_view(), name="supplier-sync"),
    path("stock-sync/runs/", views.StockSyncRunListView.as_view(), name="stock-sync-run-list"),
    path("stock-sync/runs/<int:pk>/", views.StockSyncRunDetailView.as_view(), name="stock-sync-run-detail"),
]
