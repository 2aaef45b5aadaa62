"""OpenAPI schema: the conventions of api.views made visible to drf-spectacular.

Write operations take `write_serializer_class` and answer with `serializer_class`; every
operation lists its error responses (problem details), and the precondition and
idempotency headers it honours."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

PROBLEM_MEDIA_TYPE = "application/problem+json"

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string", "description": "A URI reference; about:blank here."},
        "title": {"type": "string", "description": "The HTTP status phrase."},
        "status": {"type": "integer", "description": "The HTTP status code."},
        "detail": {"type": "string", "description": "What went wrong, for a person."},
        "code": {
            "type": "string",
            "description": "For programs, e.g. not_found, invalid, precondition_failed, "
            "version_conflict, insufficient_scope, throttled, idempotency_key_reused.",
        },
        "instance": {"type": "string", "description": "The path of the request."},
        "errors": {
            "type": "object",
            "description": "For 400: messages keyed by the path of the failing field, "
            "e.g. participants[2].person.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
        "retry_after": {"type": "integer", "description": "For 429: seconds to wait."},
    },
    "required": ["type", "title", "status", "detail", "code"],
}

_DESCRIPTIONS = {
    "400": "Invalid request: see `errors`.",
    "401": "No valid credentials (missing, unknown, expired or revoked token).",
    "403": "Not allowed for your role, token scope or desk.",
    "404": "No such record, or one you may not see.",
    "406": "No acceptable representation (this API speaks JSON).",
    "409": "Conflicts with the current state (e.g. the record is referred to elsewhere).",
    "412": "If-Match does not match the record's current ETag.",
    "413": "The request body is too large.",
    "415": "Unsupported media type.",
    "422": "The Idempotency-Key was used before for a different request.",
    "429": "Too many requests for this token: retry after Retry-After seconds.",
    "500": "Unexpected error (logged).",
}

_HEADER_PARAMETERS = {
    "If-Match": "Only change the record if its ETag is still one of these (else 412).",
    "If-None-Match": "Answer 304 without a body if the record's ETag is one of these.",
    "Idempotency-Key": "A unique key per logical request (e.g. a UUID): a retry with the "
    "same key and body returns the first response and changes nothing (kept 24 hours).",
}


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token: `Authorization: Bearer et_...` (or `Token et_...`). "
            "Read-scope tokens may only read.",
        }


class AutoSchema(SpectacularAutoSchema):
    def get_request_serializer(self) -> Any:
        write = getattr(self.view, "write_serializer_class", None)
        if write is not None and self.method in ("POST", "PUT", "PATCH"):
            return write
        return super().get_request_serializer()

    def get_response_serializers(self) -> Any:
        action = getattr(self.view, "action", None)
        if action in ("create", "update", "partial_update", "retrieve"):
            return getattr(self.view, "serializer_class", None)
        return super().get_response_serializers()


def _header(name: str) -> dict[str, Any]:
    return {
        "in": "header",
        "name": name,
        "required": False,
        "schema": (
            {"type": "string", "minLength": 1, "maxLength": 255}
            if name == "Idempotency-Key"
            else {"type": "string"}
        ),
        "description": _HEADER_PARAMETERS[name],
    }


def _codes_for(method: str, operation: dict[str, Any], path: str) -> list[str]:
    codes = ["401", "403", "404", "406", "429", "500"]
    has_body = "requestBody" in operation
    has_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
    if has_body or has_query or method == "post":
        codes.append("400")
    if has_body:
        codes += ["413", "415"]
    if method in ("post", "put", "patch", "delete"):
        codes.append("409")
    if method in ("put", "patch", "delete") and path.endswith("{id}/"):
        codes.append("412")
    if method == "post":
        codes.append("422")
    return codes


def postprocess_problem_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, component in schemas.items():
        if name.endswith("Request"):
            continue
        # Optional URLs and e-mail addresses are stored as "", which is no uri or email.
        for prop in component.get("properties", {}).values():
            if prop.get("format") in ("uri", "email"):
                prop.pop("format")
    schemas["Problem"] = PROBLEM_SCHEMA
    problem_ref = {"$ref": "#/components/schemas/Problem"}
    etag_header = {"ETag": {"schema": {"type": "string"}, "description": "The record's ETag."}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            for code in _codes_for(method, operation, path):
                responses.setdefault(
                    code,
                    {
                        "description": _DESCRIPTIONS[code],
                        "content": {PROBLEM_MEDIA_TYPE: {"schema": problem_ref}},
                    },
                )
            if "429" in responses:
                responses["429"]["headers"] = {
                    "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds."}
                }
            parameters = operation.setdefault("parameters", [])
            detail = path.endswith("{id}/")
            if method in ("put", "patch", "delete") and detail:
                parameters.append(_header("If-Match"))
            if method == "post":
                parameters.append(_header("Idempotency-Key"))
            if method == "get" and detail and "200" in responses:
                parameters.append(_header("If-None-Match"))
                responses["304"] = {"description": "Not modified.", "headers": etag_header}
            if detail and method != "delete" and "200" in responses:
                responses["200"].setdefault("headers", {}).update(etag_header)
            if "201" in responses:
                responses["201"].setdefault("headers", {}).update(etag_header)
                responses["201"]["headers"]["Location"] = {
                    "schema": {"type": "string"},
                    "description": "The new record's URL.",
                }
            if not parameters:
                operation.pop("parameters")
    return result
