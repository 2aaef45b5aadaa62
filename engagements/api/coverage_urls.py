"""Route of the coverage endpoint, included under /api/v1/ by api/urls.py (before the
router, so that "coverage" is not read as a mineral's id)."""

from django.urls import path

from .coverage import MineralCoverageView

urlpatterns = [
    path("minerals/coverage/", MineralCoverageView.as_view(), name="mineral-coverage"),
]
