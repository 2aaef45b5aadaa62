from django.urls import path

from .views import meetings as views

urlpatterns = [
    path("meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/drafts/", views.meeting_drafts, name="meeting_drafts"),
    path(
        "meetings/drafts/<int:pk>/delete/",
        views.meeting_draft_delete,
        name="meeting_draft_delete",
    ),
    path("meetings/people/search/", views.person_search, name="meeting_person_search"),
    path("meetings/people/new/", views.person_quick_add, name="meeting_person_add"),
    path("meetings/participant-row/", views.participant_row, name="meeting_participant_row"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path(
        "meetings/<int:pk>/attachments/",
        views.attachment_upload,
        name="meeting_attachment_upload",
    ),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="attachment_delete"),
]
