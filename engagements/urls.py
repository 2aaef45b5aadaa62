from django.urls import path

from .views import dashboard as views

urlpatterns = [
    path("", views.home, name="home"),
]
