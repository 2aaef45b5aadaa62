from __future__ import annotations

from django.conf import settings
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request


class CursorPagination(pagination.CursorPagination):
    """Stable pages over large, changing collections: a row written meanwhile neither
    repeats nor skips a row on the next page, as offsets would."""

    page_size = 50
    page_size_query_param = "page_size"
    ordering = "-id"

    @property
    def max_page_size(self) -> int:  # type: ignore[override]
        return settings.API_PAGE_SIZE_MAX

    def get_page_size(self, request: Request) -> int:
        # DRF falls back to the default on a bad value; a typo should not go unnoticed.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        f"Give a whole number from 1 to {self.max_page_size}."
                    ]
                }
            )
        return int(raw)


class HistoryPagination(CursorPagination):
    """Pages of an audit trail, newest first (the order of audit.selectors.entries_for)."""

    ordering = ("-at", "-id")  # type: ignore[assignment]  # DRF takes a tuple too
