from django.urls import path

from . import oidc, views

# No namespace: mozilla-django-oidc reverses its callback by the plain name.
urlpatterns = [
    path("readyz", views.readyz, name="readyz"),
    path("oidc/authenticate/", oidc.authenticate, name="oidc_authentication_init"),
    path("oidc/callback/", oidc.callback, name="oidc_authentication_callback"),
]
