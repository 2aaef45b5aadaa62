from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("notifications/", views.preferences, name="preferences"),
    path("notifications/watches/<int:pk>/delete/", views.watch_delete, name="watch_delete"),
    path("notifications/commitments/", views.commitments, name="commitments"),
    path("notifications/commitments/<int:pk>/", views.commitment_detail, name="commitment"),
    path("notifications/meetings/<int:pk>/", views.meeting_detail, name="meeting"),
]
