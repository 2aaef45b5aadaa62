from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.import_list, name="list"),
    path("new/", views.import_upload, name="upload"),
    path("<int:pk>/", views.import_detail, name="detail"),
    path("<int:pk>/progress/", views.import_progress, name="progress"),
    path("<int:pk>/mapping/", views.import_mapping, name="mapping"),
    path("<int:pk>/mapping.json", views.job_mapping_export, name="mapping_export"),
    path("<int:pk>/validate/", views.import_validate, name="validate"),
    path("<int:pk>/confirm/", views.import_confirm, name="confirm"),
    path("<int:pk>/cancel/", views.import_cancel, name="cancel"),
    path("presets/<int:pk>/mapping.json", views.preset_export, name="preset_export"),
]
