import datetime

import pytest

from accounts.models import Classification
from engagements import services as engagements
from webhooks import services, transport
from webhooks.models import EventType

START = datetime.datetime(2025, 3, 27, 14, 0, tzinfo=datetime.UTC)


def meeting_input(desk, **values):
    defaults = {
        "title": "Bilateral with the Minister of Finance of Chile",
        "start": START,
        "time_zone": "America/Santiago",
        "desk": desk,
        "classification": Classification.RESTRICTED,
    }
    return engagements.MeetingInput(**{**defaults, **values})


@pytest.fixture
def subscribe(db):
    """An endpoint of `owner` subscribed to the given event types (all when none given)."""

    def make(owner, *event_types, url="https://hooks.example.org/in", **values):
        return services.endpoint_create(
            name=f"{owner.username}'s system",
            url=url,
            owner=owner,
            event_types=event_types or EventType.values,
            **values,
        )

    return make


class FakeTransport:
    """Stands in for the HTTP call: answers from a script, records what was sent."""

    def __init__(self):
        self.answers = []
        self.requests = []

    def answer(self, *answers):
        for answer in answers:
            if isinstance(answer, int):
                answer = transport.Response(status_code=answer)
            self.answers.append(answer)

    def __call__(self, url, *, body, headers, **options):
        self.requests.append({"url": url, "body": body, "headers": headers, **options})
        if not self.answers:
            return transport.Response(status_code=200)
        return self.answers.pop(0)


@pytest.fixture
def http(monkeypatch):
    fake = FakeTransport()
    monkeypatch.setattr(transport, "post", fake)
    return fake
