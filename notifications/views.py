from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.exceptions import PermissionDenied
from engagements import services as engagement_services
from engagements.forms_commitments import CommitmentStatusForm
from engagements.selectors import commitments_owned_by, commitments_visible_to, meeting_get_visible

from . import feeds, links, selectors, services
from .emails import shows_content
from .forms import PreferenceForm, WatchForm
from .models import Watch


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    report = selectors.health_report()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


@never_cache
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    feed = selectors.calendar_feed_for_token(token)
    if feed is None:
        raise Http404("No such calendar")
    services.calendar_feed_touch(feed=feed)
    response = HttpResponse(
        feeds.calendar_for(feed.user), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="engagements.ics"'
    return response


def _preferences_page(
    request: HttpRequest, *, new_feed_url: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "preference_form": PreferenceForm(instance=selectors.preference_of(request.user)),
        "watches": selectors.watches_of(request.user),
        "watch_forms": [WatchForm(kind=kind) for kind in Watch.Kind.values],
        "feed": selectors.active_calendar_feed(request.user),
        "new_feed_url": new_feed_url,
    }
    return render(request, "notifications/preferences.html", context, status=status)


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _preferences_page(request)
    action = request.POST.get("action")
    if action == "preferences":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            services.preference_update(user=request.user, **form.cleaned_data)
            messages.success(request, "Your preferences are saved.")
        else:
            messages.error(request, "Those preferences could not be saved.")
    elif action == "watch":
        watch_form = WatchForm(request.POST)
        if watch_form.is_valid():
            services.watch_add(user=request.user, target=watch_form.cleaned_data["target"])
            messages.success(request, f"You now watch {watch_form.cleaned_data['target']}.")
        else:
            messages.error(request, "Choose something to watch.")
    elif action == "feed_create":
        _, token = services.calendar_feed_create(user=request.user)
        # The token is kept only as a hash: this page is the one chance to copy it.
        url = links.absolute(reverse("notifications:calendar_feed", args=[token]))
        return _preferences_page(request, new_feed_url=url)
    elif action == "feed_revoke":
        services.calendar_feed_revoke(user=request.user)
        messages.success(request, "Your calendar address no longer works.")
    return redirect("notifications:preferences")


@login_required
@require_POST
def watch_delete(request: HttpRequest, pk: int) -> HttpResponse:
    if not services.watch_remove(user=request.user, watch_id=pk):
        raise Http404("No such watch")
    messages.success(request, "Watch removed.")
    return redirect("notifications:preferences")


@login_required
def commitments(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "notifications/commitments.html",
        {"commitments": commitments_owned_by(request.user)},
    )


@login_required
def commitment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = get_object_or_404(
        commitments_visible_to(request.user).select_related("meeting", "desk", "owner"),
        pk=pk,
    )
    form = CommitmentStatusForm(
        request.POST or None, initial={"status": commitment.status, "note": ""}
    )
    if request.method == "POST" and form.is_valid():
        try:
            engagement_services.commitment_set_status(
                user=request.user,
                commitment=commitment,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
            )
        except PermissionDenied:
            messages.error(request, "Only its owner or its desk may change this commitment.")
        except ValidationError as error:
            messages.error(request, "; ".join(error.messages))
        else:
            messages.success(request, "Status saved.")
            return redirect("notifications:commitment", pk=commitment.pk)
    return render(
        request,
        "notifications/commitment_detail.html",
        {
            "commitment": commitment,
            "form": form,
            "shows_meeting_content": shows_content(commitment.meeting),
        },
    )


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = meeting_get_visible(user=request.user, pk=pk)
    return render(
        request,
        "notifications/meeting_detail.html",
        {
            "meeting": meeting,
            "participants": meeting.participants.select_related("person", "country"),
            "commitments": commitments_visible_to(
                request.user, queryset=meeting.commitments.select_related("owner")
            ),
        },
    )
