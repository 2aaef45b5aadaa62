from django.urls import path

from .views import browse, profiles

urlpatterns = [
    path("meetings/", browse.meeting_list, name="meeting_list"),
    path("meetings/export/", browse.meeting_export, name="meeting_export"),
    path("countries/", profiles.country_index, name="country_index"),
    path("countries/<str:iso2>/", profiles.country_profile, name="country_profile"),
    path("people/", profiles.person_index, name="person_index"),
    path("people/<int:pk>/", profiles.person_profile, name="person_profile"),
    path("organizations/", profiles.organization_index, name="organization_index"),
    path("organizations/<int:pk>/", profiles.organization_profile, name="organization_profile"),
    path("events/", profiles.event_index, name="event_index"),
    path("events/<int:pk>/", profiles.event_profile, name="event_profile"),
    path("instruments/", profiles.instrument_index, name="instrument_index"),
    path("instruments/<int:pk>/", profiles.instrument_profile, name="instrument_profile"),
    path("topics/", profiles.topic_index, name="topic_index"),
    path("topics/<int:pk>/", profiles.topic_profile, name="topic_profile"),
]
