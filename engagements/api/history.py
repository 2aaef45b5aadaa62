"""The `history/` action of the records that keep an audit trail (meetings, commitments)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import policy
from api.pagination import HistoryPagination
from audit.selectors import entries_for

from .serializers import HistoryEntrySerializer


class HistoryMixin:
    """GET {record}/history/: the record's audit trail as audit.selectors.entries_for gives it
    (for a meeting also its participants, agenda items and commitments; entries written while
    the record was classified above the reader's clearance left out), newest first. A record
    the reader may not see is a 404 through get_object(), which starts from the access
    policy's selector. Addresses and request ids are for administrators only."""

    @extend_schema(
        summary="History of the record",
        description="Who changed what and when, newest first, through which channel (web, "
        "api with the token's name as `label`, admin, import, command, task), with each "
        "changed field's value before and after (or the names added and removed, for tags). "
        "For a meeting the trail includes its participants, agenda items and commitments. "
        "Entries written while the record was classified above your clearance are left out; "
        "`ip` and `request_id` are shown to administrators only.",
        responses=HistoryEntrySerializer(many=True),
        filters=False,
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        pagination_class=HistoryPagination,
    )
    def history(self, request: Request, pk: str | None = None) -> Response:
        view: Any = self
        # The viewset's own queryset (the access policy's selector: a record the reader may
        # not see is a 404), without the nested records a GET of the record prefetches.
        record = get_object_or_404(view.get_queryset().prefetch_related(None), pk=pk)
        view.check_object_permissions(request, record)
        entries = entries_for(record, request.user, limit=None)
        page = view.paginate_queryset(entries)
        context = {
            **view.get_serializer_context(),
            "show_network": policy.is_administrator(request.user),
        }
        serializer = HistoryEntrySerializer(page, many=True, context=context)
        return view.get_paginated_response(serializer.data)
