import pytest
from django.core.exceptions import ValidationError

from webhooks import services
from webhooks.models import SECRET_PREFIX, EventType


@pytest.mark.parametrize(
    "url",
    ["ftp://hooks.example.org/in", "javascript:alert(1)", "hooks.example.org/in", "file:///etc"],
)
def test_only_http_and_https_urls_are_accepted(alice, url):
    with pytest.raises(ValidationError) as error:
        services.endpoint_create(
            name="ERP", url=url, owner=alice, event_types=[EventType.MEETING_CREATED]
        )

    assert "url" in error.value.message_dict


def test_a_new_endpoint_gets_a_secret_of_its_own(subscribe, alice):
    first, second = subscribe(alice), subscribe(alice, url="http://10.0.0.5:8080/hooks")

    assert first.secret.startswith(SECRET_PREFIX) and len(first.secret) > 40
    assert first.secret != second.secret
    assert SECRET_PREFIX not in repr(first) + str(first)


def test_rotating_the_secret_replaces_it(subscribe, alice):
    endpoint = subscribe(alice)
    old = endpoint.secret

    services.endpoint_rotate_secret(endpoint=endpoint)

    endpoint.refresh_from_db()
    assert endpoint.secret != old


@pytest.mark.parametrize("event_types", [[], ["meeting.exploded"]])
def test_an_endpoint_subscribes_to_known_events(alice, event_types):
    with pytest.raises(ValidationError) as error:
        services.endpoint_create(
            name="ERP", url="https://erp.example.org", owner=alice, event_types=event_types
        )

    assert "event_types" in error.value.message_dict


def test_event_types_are_kept_in_a_stable_order(alice):
    endpoint = services.endpoint_create(
        name="ERP",
        url="https://erp.example.org",
        owner=alice,
        event_types=["commitment.overdue", "meeting.created", "meeting.created"],
    )

    assert endpoint.event_types == ["meeting.created", "commitment.overdue"]
