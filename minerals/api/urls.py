"""Routes of the minerals analytics endpoints, included under /api/v1/ by api/urls.py
(before the router, so that these fixed paths are not read as a record's id)."""

from django.urls import path

from .analytics import CountryPositionsView, MineralAnalyticsView

urlpatterns = [
    path(
        "minerals/countries/<str:iso2>/positions/",
        CountryPositionsView.as_view(),
        name="mineral-country-positions",
    ),
    path(
        "minerals/<slug:slug>/analytics/",
        MineralAnalyticsView.as_view(),
        name="mineral-analytics",
    ),
]
