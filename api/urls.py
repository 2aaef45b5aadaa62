from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import SimpleRouter

from api.accounts.views import ApiTokenViewSet, CurrentUserView, DeskViewSet
from api.exceptions import problem_page_not_found
from engagements.api import views as engagements
from imports.api import ImportJobViewSet
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
router.register("imports", ImportJobViewSet, basename="import-job")

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
        # The split view serves its start-up script as a file (no inline script); the
        # documentation pages alone may use inline styles, and ReDoc a worker from a blob.
        csp_update({"style-src": [UNSAFE_INLINE]})(
            login_required(SpectacularSwaggerSplitView.as_view(url_name="api:schema"))
        ),
        name="docs",
    ),
    path(
        "redoc/",
        csp_update({"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})(
            login_required(SpectacularRedocView.as_view(url_name="api:schema"))
        ),
        name="redoc",
    ),
    # Anything else under /api/v1/ is a problem-details 404, also with DEBUG on (when Django
    # would show its HTML page) and for a path missing its trailing slash (no redirect
    # that would lose a POST body).
    # It changes nothing, so it needs no CSRF check (which would answer an HTML 403).
    re_path(r"", csrf_exempt(problem_page_not_found), kwargs={"exception": None}),
]
