"""One error shape for the whole API: RFC 9457 problem details (application/problem+json).

`problem_exception_handler` answers every exception raised in an API view, including the
domain's own (a service's ValidationError becomes 400 with an `errors` member keyed by field
path, VersionConflict 409, PermissionDenied 403, a protected delete 409) and unexpected
ones (500, logged). The `problem_*` views are Django's error handlers for what happens
before or outside a view under /api/ (an unknown URL, an error in middleware)."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from core.exceptions import PermissionDenied, RecordInUse, VersionConflict

logger = logging.getLogger("api")

PROBLEM_CONTENT_TYPE = "application/problem+json"
API_PREFIX = "/api/"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The record has changed since the version given in If-Match."
    default_code = "precondition_failed"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the record."
    default_code = "conflict"


class UnprocessableContent(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "The request cannot be processed."
    default_code = "unprocessable"


def _path_join(prefix: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{prefix}[{key}]"
    if key in ("non_field_errors", "__all__"):
        return prefix
    return f"{prefix}.{key}" if prefix else str(key)


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error structure (dicts, lists of per-item dicts, ListField's dicts keyed
    by index) as one flat mapping from a path such as `participants[2].person` to messages."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            for path, messages in flatten_errors(value, _path_join(prefix, key)).items():
                flat.setdefault(path, []).extend(messages)
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            if detail:
                flat.setdefault(prefix or "non_field_errors", []).extend(str(m) for m in detail)
        else:
            for index, item in enumerate(detail):
                for path, messages in flatten_errors(item, _path_join(prefix, index)).items():
                    flat.setdefault(path, []).extend(messages)
    else:
        flat.setdefault(prefix or "non_field_errors", []).append(str(detail))
    return flat


def _service_errors(error: DjangoValidationError) -> dict[str, list[str]]:
    if not hasattr(error, "error_dict"):
        return {"non_field_errors": list(error.messages)}
    flat: dict[str, list[str]] = {}
    for key, messages in error.message_dict.items():
        path = key.removesuffix(".__all__")
        path = "non_field_errors" if path == "__all__" else path
        flat.setdefault(path, []).extend(messages)
    return flat


def problem(
    status_code: int, detail: str, *, code: str, instance: str = "", **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": detail,
        "code": code,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return body


def _as_api_exception(exc: Exception) -> Exception:
    if isinstance(exc, RecordInUse):
        return Conflict(" ".join(exc.messages), code="protected")
    if isinstance(exc, DjangoValidationError):
        validation = exceptions.ValidationError(_service_errors(exc))
        return validation
    if isinstance(exc, VersionConflict):
        return Conflict(
            f"The record was changed meanwhile: it is now at version {exc.current_version}. "
            "Read it again and reapply your change.",
            code="version_conflict",
        )
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied(str(exc))
    if isinstance(exc, ProtectedError | RestrictedError):
        return Conflict(
            "Other records refer to this one, so it cannot be deleted.", code="protected"
        )
    if isinstance(exc, IntegrityError):
        return Conflict("The change conflicts with another record.", code="integrity_error")
    return exc


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    request = context.get("request")
    instance = request.get_full_path() if request is not None else ""
    exc = _as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        set_rollback()
        logger.error("Unhandled error in API view %s", instance, exc_info=exc)
        body = problem(
            500,
            "An unexpected error occurred; it has been logged.",
            code="error",
            instance=instance,
        )
        return Response(body, status=500, content_type=PROBLEM_CONTENT_TYPE)
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(data)
        first = next(iter(errors.items()), ("", [""]))
        summary = f"{first[0]}: {first[1][0]}" if first[0] != "non_field_errors" else first[1][0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        body = problem(
            response.status_code,
            f"Invalid request: {summary}{more}",
            code="invalid",
            instance=instance,
            errors=errors,
        )
    else:
        detail = data.get("detail", "") if isinstance(data, dict) else str(data)
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = codes if isinstance(codes, str) else "error"
        body = problem(response.status_code, str(detail), code=code, instance=instance)
        wait = getattr(exc, "wait", None)
        if isinstance(exc, exceptions.Throttled) and wait is not None:
            body["retry_after"] = int(wait)
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def _problem_response(
    request: HttpRequest, status_code: int, detail: str, code: str
) -> HttpResponse:
    return JsonResponse(
        problem(status_code, detail, code=code, instance=request.get_full_path()),
        status=status_code,
        content_type=PROBLEM_CONTENT_TYPE,
    )


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def problem_bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _problem_response(
            request, 400, "The request could not be understood.", "bad_request"
        )
    return defaults.bad_request(request, exception)


def problem_permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _problem_response(request, 403, "You may not do this.", "permission_denied")
    return defaults.permission_denied(request, exception)


def problem_page_not_found(request: HttpRequest, exception: Exception | None) -> HttpResponse:
    if _is_api(request):
        hint = "" if request.path.endswith("/") else " (paths end with a slash)"
        return _problem_response(request, 404, f"There is no such resource{hint}.", "not_found")
    return defaults.page_not_found(request, exception or Exception())


def problem_server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return _problem_response(
            request, 500, "An unexpected error occurred; it has been logged.", "error"
        )
    return defaults.server_error(request)
