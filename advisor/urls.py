from django.urls import path

from . import views

app_name = "advisor"
urlpatterns = [
    path("", views.quiz, name="quiz"),
    path("results/<uuid:pk>/", views.result, name="result"),
    path("results/<uuid:pk>/add-to-cart/", views.result_add_to_cart, name="result_add_to_cart"),
    path("results/<uuid:pk>/email/", views.result_email, name="result_email"),
    path("results/<uuid:pk>/print/", views.result_print, name="result_print"),
    path("results/<uuid:pk>/delete/", views.result_delete, name="result_delete"),
]
