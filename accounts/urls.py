from django.urls import path

from . import views

urlpatterns = [
    path("account/", views.account, name="account"),
    path("account/language/", views.language_switch, name="language_switch"),
    path("account/tokens/", views.token_create, name="account_token_create"),
    path("account/tokens/<int:pk>/revoke/", views.token_revoke, name="account_token_revoke"),
]
