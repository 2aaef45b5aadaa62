"""The request context: ids, client addresses behind proxies, channels."""

from __future__ import annotations

import re

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from audit import context
from audit.middleware import RequestContextMiddleware


def _through_middleware(request):
    seen = {}

    def view(request):
        seen["context"] = context.current()
        return HttpResponse("ok")

    response = RequestContextMiddleware(view)(request)
    return response, seen["context"]


def test_it_generates_a_request_id_and_echoes_it():
    response, seen = _through_middleware(RequestFactory().get("/"))
    assert re.fullmatch(r"[0-9a-f]{32}", seen.request_id)
    assert response["X-Request-ID"] == seen.request_id
    assert context.current().request_id == ""  # nothing leaks out of the request


def test_it_keeps_a_sane_incoming_request_id():
    request = RequestFactory().get("/", HTTP_X_REQUEST_ID="edge-1234.abc:5")
    response, seen = _through_middleware(request)
    assert seen.request_id == "edge-1234.abc:5"
    assert response["X-Request-ID"] == "edge-1234.abc:5"


@pytest.mark.parametrize("incoming", ["a" * 65, "bad id", "x\r\nSet-Cookie: a=b", "<script>", ""])
def test_it_replaces_an_unsafe_request_id(incoming):
    request = RequestFactory().get("/", HTTP_X_REQUEST_ID=incoming)
    response, seen = _through_middleware(request)
    assert seen.request_id != incoming
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


@pytest.mark.parametrize(
    ("path", "channel"),
    [("/", "web"), ("/meetings/1/", "web"), ("/admin/", "admin"), ("/api/v1/meetings/", "api")],
)
def test_channel_by_path(path, channel):
    _response, seen = _through_middleware(RequestFactory().get(path))
    assert seen.channel == channel


def test_user_agent_and_user_are_resolved(django_user_model, db):
    request = RequestFactory().get("/", HTTP_USER_AGENT="Browser/1.0")
    user = django_user_model.objects.create(username="someone")
    seen = {}

    def view(request):
        # Authentication runs after this middleware; the user is read when asked for.
        request.user = user
        seen["user_id"] = context.current().user_id
        seen["agent"] = context.current().user_agent
        return HttpResponse()

    RequestContextMiddleware(view)(request)
    assert seen == {"user_id": user.pk, "agent": "Browser/1.0"}


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.1"),  # no proxy trusted: the header is the client's word
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "198.51.100.7, 203.0.113.9", "203.0.113.9"),  # the left one was forged
        (2, "198.51.100.7, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (2, "203.0.113.9", "10.0.0.1"),  # shorter than the proxy chain
        (1, "not-an-address", "10.0.0.1"),
        (1, "", "10.0.0.1"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_ip_honours_trusted_proxy_count(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", **headers)
    assert context.client_ip(request) == expected


def test_client_ip_without_the_setting(settings):
    del settings.TRUSTED_PROXY_COUNT
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert context.client_ip(request) == "10.0.0.1"


def test_channel_for_work_outside_requests():
    assert context.current().channel == "system"
    with context.channel("import", 42, user="job owner") as inner:
        assert context.current() is inner
        assert (inner.channel, inner.label, inner.user) == ("import", "42", "job owner")
        assert re.fullmatch(r"[0-9a-f]{32}", inner.request_id)
    assert context.current().channel == "system"


def test_channel_inside_a_request_keeps_its_id_and_address():
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.5")
    seen = {}

    def view(request):
        with context.channel("import", "7") as inner:
            seen["inner"] = inner
        return HttpResponse()

    response = RequestContextMiddleware(view)(request)
    assert seen["inner"].request_id == response["X-Request-ID"]
    assert seen["inner"].ip == "192.0.2.5"
    assert seen["inner"].channel == "import"


def test_every_response_of_the_site_carries_the_id(client, db):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="probe-1")
    assert response["X-Request-ID"] == "probe-1"
