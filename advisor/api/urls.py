from django.urls import path

from . import views

app_name = "advisor_api"
urlpatterns = [
    path("recommendations/", views.RecommendationCreateView.as_view(), name="recommendation_create"),
    path("recommendations/<uuid:pk>/", views.RecommendationDetailView.as_view(), name="recommendation_detail"),
]
