from django.urls import path

from .views import briefings, commitments, coverage, dashboard

urlpatterns = [
    path("", dashboard.home, name="home"),
    path("commitments/", commitments.commitment_board, name="commitment_board"),
    path("commitments/<int:pk>/status/", commitments.commitment_status, name="commitment_status"),
    path("briefings/", briefings.briefing_index, name="briefing_index"),
    path("briefings/countries/<str:iso2>/", briefings.briefing_country, name="briefing_country"),
    path(
        "briefings/countries/<str:iso2>/pdf/",
        briefings.briefing_country_pdf,
        name="briefing_country_pdf",
    ),
    path("briefings/people/<int:pk>/", briefings.briefing_person, name="briefing_person"),
    path(
        "briefings/people/<int:pk>/pdf/", briefings.briefing_person_pdf, name="briefing_person_pdf"
    ),
    # A page of the minerals section that joins minerals with meetings. config/urls.py
    # includes these before minerals.urls, whose "<slug>/" would read "coverage" as a mineral.
    path("minerals/coverage/", coverage.mineral_coverage, name="mineral_coverage"),
]
