"""The commitments board and the in-place status change of one commitment."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.exceptions import PermissionDenied

from .. import services
from ..dashboard import (
    BOARD_VIEWS,
    STATUS_FILTERS,
    Bounded,
    board_filters,
    board_page,
    commitment_for_status_change,
    commitment_is_editable_by,
    my_desks,
)
from ..forms_commitments import CommitmentStatusForm
from ..models import Commitment

FRAGMENT = "engagements/desk/_commitment_item.html"
# Deep pages cost a query that reads every row before them; nobody reads the 200th page.
MAX_PAGE = 200


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("commitment_board")


def _refused(
    request: HttpRequest, commitment: Commitment, message: str, *, status: int
) -> HttpResponse:
    """The fragment with the message for htmx (site.js lets htmx swap 4xx answers in); a
    page with the message and the commitment otherwise."""
    context = {"commitment": commitment, "status_error": message, "next": _safe_next(request)}
    template = FRAGMENT if _is_htmx(request) else "engagements/desk/commitment_status_error.html"
    return render(request, template, context, status=status)


@login_required
@require_POST
def commitment_status(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = commitment_for_status_change(user=request.user, pk=pk)
    if commitment is None:
        raise Http404("No such commitment.")
    if not commitment_is_editable_by(user=request.user, commitment=commitment):
        return _refused(
            request,
            commitment,
            _("Only its owner or a member of its desk may change this commitment."),
            status=403,
        )
    form = CommitmentStatusForm(request.POST)
    if not form.is_valid():
        labels = {"status": _("Status"), "note": _("Completion note")}
        problems = [
            f"{labels.get(name, name)}: {' '.join(str(error) for error in errors)}"
            for name, errors in form.errors.items()
        ]
        return _refused(request, commitment, " ".join(problems), status=400)
    try:
        services.commitment_set_status(
            user=request.user,
            commitment=commitment,
            status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
        )
    except PermissionDenied:
        return _refused(
            request,
            commitment,
            _("Only its owner or a member of its desk may change this commitment."),
            status=403,
        )
    except ValidationError as error:
        commitment.refresh_from_db()
        return _refused(request, commitment, " ".join(error.messages), status=400)
    saved = _("Status saved.")
    if _is_htmx(request):
        context = {"commitment": commitment, "status_message": saved, "next": _safe_next(request)}
        return render(request, FRAGMENT, context)
    messages.success(request, f"{commitment.title}: {saved}")
    return redirect(_safe_next(request))


@login_required
def commitment_board(request: HttpRequest) -> HttpResponse:
    filters = board_filters(request.GET)
    if filters.errors:
        return render(
            request,
            "engagements/desk/board.html",
            {"filters": filters, "page": None, **_board_choices(request)},
            status=400,
        )
    try:
        page_number = min(max(1, int(request.GET.get("page", "1"))), MAX_PAGE)
    except ValueError:
        page_number = 1
    today = timezone.localdate()
    choices = _board_choices(request)
    if filters.view == "desk" and not choices["desks"]:
        page = Bounded(rows=[])
    else:
        page = board_page(user=request.user, filters=filters, today=today, page=page_number)
    context = {
        "filters": filters,
        "page": page,
        "page_number": page_number,
        "today": today,
        **choices,
    }
    return render(request, "engagements/desk/board.html", context)


def _board_choices(request: HttpRequest) -> dict[str, Any]:
    view_labels = {
        "mine": _("Mine"),
        "desk": _("My desks'"),
        "overdue": _("Overdue"),
        "all": _("All I can see"),
    }
    status_labels = {
        "active": _("Open or in progress"),
        "any": _("Any status"),
        Commitment.Status.OPEN: _("Open"),
        Commitment.Status.IN_PROGRESS: _("In progress"),
        Commitment.Status.DONE: _("Done"),
        Commitment.Status.DROPPED: _("Dropped"),
    }
    return {
        "view_choices": [(view, view_labels[view]) for view in BOARD_VIEWS],
        "status_choices": [(value, status_labels[value]) for value in STATUS_FILTERS],
        "desks": my_desks(request.user),
    }
