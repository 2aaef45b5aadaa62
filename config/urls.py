from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("", include("engagements.urls")),
    path("", include("engagements.urls_meetings")),
    path("", include("engagements.urls_browse")),
    path("", include("accounts.urls")),
    path("imports/", include("imports.urls")),
    path("exports/", include("imports.urls_exports")),
    path("", include("notifications.urls")),
    path("", include("ops.urls")),
    path("minerals/", include("minerals.urls")),
    path("api/v1/", include("api.urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]

# Under /api/ errors raised outside a view (an unknown URL, a failure in middleware) are
# problem details too; elsewhere these fall back to Django's pages.
handler400 = "api.exceptions.problem_bad_request"
handler403 = "api.exceptions.problem_permission_denied"
handler404 = "api.exceptions.problem_page_not_found"
handler500 = "api.exceptions.problem_server_error"
