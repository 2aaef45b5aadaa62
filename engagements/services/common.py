"""Helpers shared by the services of engagements."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.text import slugify


def _prefixed(error: ValidationError, prefix: str) -> ValidationError:
    """Re-key a model's ValidationError under a path such as participants[2]."""
    if hasattr(error, "error_dict"):
        return ValidationError(
            {f"{prefix}.{name}": messages for name, messages in error.message_dict.items()}
        )
    return ValidationError({prefix: error.messages})


def _unique_slug(model: Any, text: str, *, max_length: int = 120) -> str:
    base = slugify(text)[: max_length - 10] or "record"
    taken = set(model.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    return next(f"{base}-{n}" for n in range(2, len(taken) + 3) if f"{base}-{n}" not in taken)
