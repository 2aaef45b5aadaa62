"""Request context for logs and the audit trail (request id, client address, channel)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .context import REQUEST_ID_HEADER, activate, context_for_request


class RequestContextMiddleware:
    """Gives each request an id (a sane incoming X-Request-ID is kept), echoes it in the
    response and makes the request's context available to `audit.context.current()`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        context = context_for_request(request)
        request.request_id = context.request_id  # type: ignore[attr-defined]
        with activate(context):
            response = self.get_response(request)
        response[REQUEST_ID_HEADER] = context.request_id
        return response
