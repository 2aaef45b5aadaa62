"""Fixtures of the API tests: the standing users with their roles, and clients that
authenticate with a bearer token."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from accounts.models import ApiToken, Role
from accounts.services import roles_sync
from accounts.tokens import api_token_create

# The role (group) of each standing user of tests/conftest.py in the API tests.
ROLES = {
    "alice": Role.DESK_OFFICER,
    "bob": Role.DESK_OFFICER,
    "charlie": Role.ANALYST,
    "dana": Role.ANALYST,
    "erin": Role.DESK_LEAD,
    "administrator": Role.ADMINISTRATOR,
    "admin_user": None,  # a superuser needs no role
}


@pytest.fixture
def roles(db):
    return {group.name: group for group in roles_sync()}


@pytest.fixture
def users(request, roles):
    """The standing users by fixture name, each with their role."""
    found = {}
    for name, role in ROLES.items():
        user = request.getfixturevalue(name)
        if role is not None:
            user.groups.add(Group.objects.get(name=role))
        found[name] = user
    return found


def token_client(user, scope=ApiToken.Scope.READ_WRITE, name=None, **kwargs) -> APIClient:
    name = name or f"test {scope} {ApiToken.objects.filter(user=user).count()}"
    _token, raw = api_token_create(user=user, name=name, scope=scope, **kwargs)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.raw_token = raw  # type: ignore[attr-defined]
    return client


@pytest.fixture
def client_for(users):
    """client_for("alice") -> an APIClient with a read-write token of alice's."""
    cache: dict[tuple[str, str], APIClient] = {}

    def make(name: str, scope: str = ApiToken.Scope.READ_WRITE) -> APIClient:
        if (name, scope) not in cache:
            cache[(name, scope)] = token_client(users[name], scope)
        return cache[(name, scope)]

    return make
