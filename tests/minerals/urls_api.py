"""The analytics and coverage routes under /api/v1/, as api/urls.py is to include them."""

from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("minerals.api.urls")),
    path("api/v1/", include("engagements.api.coverage_urls")),
    path("", include("config.urls")),
]
