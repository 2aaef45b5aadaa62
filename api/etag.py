"""ETags and preconditions (RFC 9110, 8.8.3 and 13.1).

A record with a `version` (meetings) has an ETag made of that version, which the services
check for optimistic locking, and a digest of the representation: a meeting's commitments
and files change through their own endpoints without a new version, and a client holding
an old list of them must neither get 304 nor overwrite them with a PUT. Other records have
a digest of their representation alone. ETags are strong: If-Match compares them exactly,
and a weak one never matches."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.utils.encoders import JSONEncoder

_ETAG = re.compile(r'\s*(W/)?("[^"]*")\s*(?:,|$)')


def _digest(data: Any) -> str:
    encoded = json.dumps(data, cls=JSONEncoder, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()


def etag_for_version(version: int, data: Any) -> str:
    return f'"{version}-{_digest(data)[:16]}"'


def etag_for_data(data: Any) -> str:
    return f'"{_digest(data)[:32]}"'


def parse_etags(header: str | None, name: str = "If-Match") -> list[str] | None:
    """The entity tags of an If-Match / If-None-Match header: None when absent, ["*"] for
    any; weak tags are kept with their W/ so that strong comparison rejects them. A
    malformed header is a 400: guessing what it meant could overwrite someone's change."""
    if header is None:
        return None
    header = header.strip()
    if header == "*":
        return ["*"]
    tags = []
    position = 0
    while position < len(header):
        match = _ETAG.match(header, position)
        if match is None or match.end() == position:
            break
        tags.append((match.group(1) or "") + match.group(2))
        position = match.end()
    if not tags or position < len(header):
        raise ValidationError({name: ['Give quoted entity tags as sent in ETag, e.g. "3", or *.']})
    return tags


def if_match_satisfied(current: str, tags: list[str]) -> bool:
    return "*" in tags or current in tags


def if_none_match_satisfied(current: str, tags: list[str]) -> bool:
    """True when the client's copy is current (weak comparison, as RFC 9110 asks here)."""
    bare = current.removeprefix("W/")
    return "*" in tags or any(tag.removeprefix("W/") == bare for tag in tags)


def version_from_etags(tags: list[str]) -> int | None:
    """The version a client expects, from If-Match on a versioned record."""
    for tag in tags:
        version = tag[1:-1].split("-", 1)[0] if tag.startswith('"') else ""
        if version.isdigit():
            return int(version)
    return None
