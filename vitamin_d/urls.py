from django.urls import path

from . import views

app_name = "vitamin_d"

urlpatterns = [
    path("", views.page, name="page"),
    path("consent/", views.consent_give_view, name="consent"),
    path("consent/withdraw/", views.consent_withdraw_view, name="withdraw"),
    path("tests/add/", views.test_add, name="test_add"),
    path("tests/<int:pk>/edit/", views.test_edit, name="test_edit"),
    path("tests/<int:pk>/delete/", views.test_delete, name="test_delete"),
    path("results/<uuid:pk>/save/", views.result_save, name="result_save"),
    path("reminders/", views.reminders_set, name="reminders"),
]
