from django.urls import path

from . import views

app_name = "subscriptions"

urlpatterns = [
    path("", views.subscription_list, name="list"),
    path("new/", views.subscription_new, name="new"),
    path("<int:pk>/skip/", views.subscription_skip, name="skip"),
    path("<int:pk>/pause/", views.subscription_pause_view, name="pause"),
    path("<int:pk>/resume/", views.subscription_resume_view, name="resume"),
    path("<int:pk>/cancel/", views.subscription_cancel_view, name="cancel"),
    path("<int:pk>/change/", views.subscription_change_view, name="change"),
]
