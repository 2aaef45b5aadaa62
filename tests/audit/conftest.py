from tests.api.conftest import client_for, roles, users  # noqa: F401 - fixtures
