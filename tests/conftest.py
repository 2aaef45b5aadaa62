import pytest
from django.contrib.auth.models import Group

from accounts.models import Classification, DeskMembership, Role
from tests import factories


@pytest.fixture
def desk_latam(db):
    return factories.DeskFactory(code="latam", name="Latin America and the Caribbean")


@pytest.fixture
def desk_asia(db):
    return factories.DeskFactory(code="asia", name="Asia and the Pacific")


@pytest.fixture
def alice(desk_latam):
    """An officer of the owning (Latin America) desk, cleared to restricted."""
    user = factories.UserFactory(username="alice", clearance=Classification.RESTRICTED)
    DeskMembership.objects.create(user=user, desk=desk_latam)
    return user


@pytest.fixture
def bob(desk_asia):
    """An officer of another desk, cleared to restricted."""
    user = factories.UserFactory(username="bob", clearance=Classification.RESTRICTED)
    DeskMembership.objects.create(user=user, desk=desk_asia)
    return user


@pytest.fixture
def charlie(db):
    """An analyst: no desk, clearance internal."""
    return factories.UserFactory(username="charlie", clearance=Classification.INTERNAL)


@pytest.fixture
def dana(db):
    """Took part in the meeting (linked to a participant's person), no desk, restricted."""
    return factories.UserFactory(username="dana", clearance=Classification.RESTRICTED)


@pytest.fixture
def erin(desk_latam):
    """Lead of the owning desk, cleared to confidential."""
    user = factories.UserFactory(username="erin", clearance=Classification.CONFIDENTIAL)
    DeskMembership.objects.create(user=user, desk=desk_latam, role=DeskMembership.DeskRole.LEAD)
    return user


@pytest.fixture
def admin_user(db):
    user = factories.UserFactory(
        username="root", is_staff=True, is_superuser=True, clearance=Classification.PUBLIC
    )
    return user


@pytest.fixture
def administrator(db):
    """An administrator by role (group), not a superuser."""
    user = factories.UserFactory(username="administrator", is_staff=True)
    group, _ = Group.objects.get_or_create(name=Role.ADMINISTRATOR)
    user.groups.add(group)
    return user
