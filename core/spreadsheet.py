"""Cells of files that spreadsheets open (CSV, XLSX exports)."""

from __future__ import annotations

from typing import Any

# A text cell beginning with one of these is read as a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A text cell that could start a formula gets a leading single quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
