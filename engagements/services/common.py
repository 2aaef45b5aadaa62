"""Helpers shared by the services of engagements."""

from __future__ import annotations

from collections.abc import Sequence
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


def participant_list_errors(items: Sequence[Any]) -> dict[str, list[str]]:
    """The rules a meeting's list of participants (as given) keeps as a whole: a name for
    each, a person listed once, one head of delegation per side. Single writes and bulk
    writes both ask here."""
    errors: dict[str, list[str]] = {}
    for index, item in enumerate(items):
        if item.person is None and not item.raw_name.strip():
            errors.setdefault(f"participants[{index}].person", []).append(
                "Choose a person or type the name as recorded."
            )
    persons = [item.person.pk for item in items if item.person is not None]
    for index, item in enumerate(items):
        if item.person is not None and persons.count(item.person.pk) > 1:
            errors.setdefault(f"participants[{index}].person", []).append(
                "This person is listed twice."
            )
    heads: dict[str, int] = {}
    for index, item in enumerate(items):
        if item.is_head_of_delegation:
            heads[item.side] = heads.get(item.side, 0) + 1
            if heads[item.side] > 1:
                errors.setdefault(f"participants[{index}].is_head_of_delegation", []).append(
                    "Only one head of delegation per side."
                )
    return errors
