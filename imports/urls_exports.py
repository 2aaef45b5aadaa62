from django.urls import path

from . import views_exports

urlpatterns = [
    path("transparency.csv", views_exports.transparency_return, name="transparency_return"),
    path("popolo.json", views_exports.popolo_export, name="popolo_export"),
]
