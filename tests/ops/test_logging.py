"""Log records carry the request's id, user and client address (config/logging.py)."""

import io
import json
import logging

import pytest
from django.http import HttpResponse
from django.urls import path
from django.utils.module_loading import import_string

from config.logging import build_logging

logger = logging.getLogger("engagements.test")


def logging_view(request):
    logger.warning("inside a request")
    return HttpResponse("ok")


urlpatterns = [path("log/", logging_view)]


def handler_from(config: dict) -> tuple[logging.Handler, io.StringIO]:
    """The console handler that config describes (formatter and filter), writing to memory."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    formatter = dict(config["formatters"]["default"])
    factory = import_string(formatter.pop("()", "logging.Formatter"))
    if "format" in formatter:
        formatter["fmt"] = formatter.pop("format")
    handler.setFormatter(factory(**formatter))
    for name in config["handlers"]["console"]["filters"]:
        handler.addFilter(import_string(config["filters"][name]["()"])())
    return handler, stream


@pytest.fixture
def json_logs():
    handler, stream = handler_from(build_logging(level="INFO", json_format=True))
    logger.addHandler(handler)

    def lines():
        return [json.loads(line) for line in stream.getvalue().splitlines() if line]

    yield lines
    logger.removeHandler(handler)


@pytest.mark.urls("tests.ops.test_logging")
def test_a_record_written_during_a_request_names_it(client, charlie, json_logs, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    client.force_login(charlie)
    response = client.get("/log/", HTTP_X_REQUEST_ID="req-42", REMOTE_ADDR="198.51.100.9")
    assert response.status_code == 200
    [line] = [line for line in json_logs() if line["message"] == "inside a request"]
    assert line["request_id"] == "req-42"
    assert line["user_id"] == charlie.pk
    assert line["client_ip"] == "198.51.100.9"
    assert line["level"] == "WARNING" and line["logger"] == "engagements.test"


def test_a_record_outside_a_request_has_placeholders(json_logs):
    logger.warning("no request")
    [line] = [line for line in json_logs() if line["message"] == "no request"]
    assert (line["request_id"], line["user_id"], line["client_ip"]) == ("-", "-", "-")


def test_text_logs_show_the_request_id():
    handler, stream = handler_from(build_logging(level="INFO", json_format=False))
    logger.addHandler(handler)
    try:
        logger.warning("plain text")
    finally:
        logger.removeHandler(handler)
    assert "WARNING engagements.test [-] plain text" in stream.getvalue()
