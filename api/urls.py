from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)
from rest_framework.routers import SimpleRouter

from accounts.api.views import ApiTokenViewSet, CurrentUserView, DeskViewSet
from api.exceptions import problem_page_not_found
from engagements.api import views as engagements
from minerals.api import views as minerals

app_name = "api"

router = SimpleRouter()
router.register("countries", engagements.CountryViewSet, basename="country")
router.register("organizations", engagements.OrganizationViewSet, basename="organization")
router.register("people", engagements.PersonViewSet, basename="person")
router.register("posts", engagements.PostViewSet, basename="post")
router.register("tenures", engagements.TenureViewSet, basename="tenure")
router.register("events", engagements.EventViewSet, basename="event")
router.register("topics", engagements.TopicViewSet, basename="topic")
router.register("instruments", engagements.InstrumentViewSet, basename="instrument")
router.register("meetings", engagements.MeetingViewSet, basename="meeting")
router.register("participants", engagements.ParticipantViewSet, basename="participant")
router.register("commitments", engagements.CommitmentViewSet, basename="commitment")
router.register("attachments", engagements.AttachmentViewSet, basename="attachment")
router.register("minerals", minerals.MineralViewSet, basename="mineral")
router.register("data-sources", minerals.DataSourceViewSet, basename="data-source")
router.register(
    "mineral-statistics", minerals.MineralStatisticViewSet, basename="mineral-statistic"
)
router.register("desks", DeskViewSet, basename="desk")
router.register("tokens", ApiTokenViewSet, basename="token")

urlpatterns = [
    # Before the router: "minerals/coverage/" would otherwise be read as a mineral's id.
    path("", include("minerals.api.urls")),
    path("", include("engagements.api.coverage_urls")),
    path("", include(router.urls)),
    path("me/", CurrentUserView.as_view(), name="me"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The documentation pages are for people: signing in first beats a 401.
    path(
        "docs/",
        login_required(SpectacularSwaggerView.as_view(url_name="api:schema")),
        name="docs",
    ),
    path(
        "redoc/",
        login_required(SpectacularRedocView.as_view(url_name="api:schema")),
        name="redoc",
    ),
    # Anything else under /api/v1/ is a problem-details 404, also with DEBUG on (when Django
    # would show its HTML page) and for a path missing its trailing slash (no redirect
    # that would lose a POST body).
    # It changes nothing, so it needs no CSRF check (which would answer an HTML 403).
    re_path(r"", csrf_exempt(problem_page_not_found), kwargs={"exception": None}),
]
