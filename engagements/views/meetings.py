"""Log a meeting, edit it, read it: server-rendered pages with htmx fragments."""

from __future__ import annotations

import datetime
import re
import zoneinfo
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    QueryDict,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import policy
from core.exceptions import PermissionDenied, VersionConflict

from .. import services
from ..forms import (
    PARTICIPANTS_PREFIX,
    AttachmentForm,
    MeetingForms,
    ParticipantForm,
    PersonQuickForm,
)
from ..meeting_history import meeting_change_log, meeting_conflict
from ..models import (
    AgendaItem,
    Attachment,
    Meeting,
    MeetingDraft,
    Participant,
    Person,
    Tenure,
)
from ..selectors import (
    attachments_visible_to,
    commitments_visible_to,
    meeting_get_visible,
    meetings_visible_to,
    tenure_valid_on,
)

COMMITMENT_ITEM_TEMPLATE = "engagements/desk/_commitment_item.html"
AUTOCOMPLETE_LIMIT = 10
_ROW_PREFIX = re.compile(rf"^{PARTICIPANTS_PREFIX}-(\d+|__prefix__)$")


def _draft_data(request: HttpRequest) -> dict[str, list[str]]:
    return {
        key: request.POST.getlist(key)
        for key in request.POST
        if key not in {"csrfmiddlewaretoken", "action", "draft"}
    }


def _as_query_dict(data: dict[str, list[str]]) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, values in data.items():
        query.setlist(key, [str(value) for value in values])
    return query


def _own_draft(request: HttpRequest, raw_id: str | None, *, meeting: Meeting | None) -> Any:
    if not raw_id or not str(raw_id).isdigit():
        return None
    return get_object_or_404(MeetingDraft, pk=int(raw_id), user=request.user, meeting=meeting)


def _form_page(
    request: HttpRequest,
    forms: MeetingForms,
    *,
    meeting: Meeting | None,
    draft: MeetingDraft | None = None,
    show_errors: bool = True,
    conflict: Any = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "engagements/meetings/form.html",
        {
            "forms": forms,
            "form": forms.main,
            "meeting": meeting,
            "draft": draft,
            "show_errors": show_errors,
            "conflict": conflict,
            "person_form": PersonQuickForm(prefix="new_person"),
        },
        status=status,
    )


def _save_draft(
    request: HttpRequest, *, meeting: Meeting | None, draft: MeetingDraft | None
) -> HttpResponse:
    try:
        draft = services.meeting_draft_save(
            user=request.user,
            data=_draft_data(request),
            title=request.POST.get("title", ""),
            meeting=meeting,
            draft=draft,
        )
    except PermissionDenied as error:
        raise Http404 from error
    messages.success(request, _("Draft saved. You can resume it from “My drafts”."))
    target = reverse("meeting_edit", args=[meeting.pk]) if meeting else reverse("meeting_create")
    return redirect(f"{target}?{urlencode({'draft': draft.pk})}")


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest) -> HttpResponse:
    if not policy.may_log_meetings(request.user):
        raise DjangoPermissionDenied(_("Only desk officers and administrators log meetings."))
    if request.method == "GET":
        draft = _own_draft(request, request.GET.get("draft"), meeting=None)
        if draft is not None:
            forms = MeetingForms(user=request.user, data=_as_query_dict(draft.data))
            return _form_page(request, forms, meeting=None, draft=draft, show_errors=False)
        return _form_page(request, MeetingForms(user=request.user), meeting=None)

    draft = _own_draft(request, request.POST.get("draft"), meeting=None)
    if request.POST.get("action") == "draft":
        return _save_draft(request, meeting=None, draft=draft)
    forms = MeetingForms(user=request.user, data=request.POST)
    if forms.is_valid():
        data = forms.to_input()
        try:
            meeting = services.meeting_create(user=request.user, data=data)
        except ValidationError as error:
            forms.add_service_errors(error)
        except PermissionDenied:
            forms.main.add_error("desk", _("You may not log meetings for this desk."))
        else:
            if draft is not None:
                services.meeting_draft_delete(user=request.user, draft=draft)
            messages.success(request, _("The meeting is logged."))
            return redirect("meeting_detail", pk=meeting.pk)
    return _form_page(request, forms, meeting=None, draft=draft, status=400)


def _editable_meeting(request: HttpRequest, pk: int) -> Meeting:
    meeting = meeting_get_visible(user=request.user, pk=pk)
    if not policy.can_write(
        request.user, desk_id=meeting.desk_id, classification=meeting.classification
    ):
        raise DjangoPermissionDenied(_("You may not edit this meeting."))
    return meeting


def _theirs(forms: MeetingForms) -> dict[str, Any]:
    """What the officer typed, in model terms, for the conflict table."""
    cleaned = getattr(forms.main, "cleaned_data", {})
    theirs: dict[str, Any] = {}
    for name in (
        "title",
        "time_zone",
        "date_precision",
        "kind",
        "status",
        "place",
        "city",
        "classification",
        "summary",
        "notes",
        "outcomes",
        "source",
        "start",
        "end",
    ):
        if name in cleaned:
            theirs[name] = cleaned[name]
    for name in ("country", "event", "desk"):
        if name in cleaned:
            theirs[name] = cleaned[name].pk if cleaned[name] is not None else None
    return theirs


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _editable_meeting(request, pk)
    if request.method == "GET":
        draft = _own_draft(request, request.GET.get("draft"), meeting=meeting)
        if draft is not None:
            forms = MeetingForms.for_meeting(
                user=request.user, meeting=meeting, data=_as_query_dict(draft.data)
            )
            return _form_page(request, forms, meeting=meeting, draft=draft, show_errors=False)
        forms = MeetingForms.for_meeting(user=request.user, meeting=meeting)
        return _form_page(request, forms, meeting=meeting)

    draft = _own_draft(request, request.POST.get("draft"), meeting=meeting)
    if request.POST.get("action") == "draft":
        return _save_draft(request, meeting=meeting, draft=draft)
    forms = MeetingForms.for_meeting(user=request.user, meeting=meeting, data=request.POST)
    valid = forms.is_valid()
    submitted_version = forms.main.cleaned_data.get("version") if valid else None
    if submitted_version is None:
        raw = request.POST.get("version", "")
        submitted_version = int(raw) if raw.isdigit() else None
    if submitted_version is not None and submitted_version != meeting.version:
        return _conflict_page(
            request, forms, meeting=meeting, base_version=submitted_version, draft=draft
        )
    if valid:
        try:
            services.meeting_update(
                user=request.user,
                meeting=meeting,
                expected_version=meeting.version,
                data=forms.to_input(),
            )
        except VersionConflict:
            meeting.refresh_from_db()
            return _conflict_page(
                request, forms, meeting=meeting, base_version=submitted_version or 0, draft=draft
            )
        except ValidationError as error:
            forms.add_service_errors(error)
        except PermissionDenied:
            forms.main.add_error("desk", _("You may not move the meeting to this desk."))
        else:
            if draft is not None:
                services.meeting_draft_delete(user=request.user, draft=draft)
            messages.success(request, _("The meeting is saved."))
            return redirect("meeting_detail", pk=meeting.pk)
    return _form_page(request, forms, meeting=meeting, draft=draft, status=400)


def _conflict_page(
    request: HttpRequest,
    forms: MeetingForms,
    *,
    meeting: Meeting,
    base_version: int,
    draft: MeetingDraft | None = None,
) -> HttpResponse:
    """Nothing is saved. The form comes back as typed, now carrying the stored version,
    so that saving again (after looking at the differences) applies the officer's values."""
    conflict = meeting_conflict(
        meeting, user=request.user, base_version=base_version, theirs=_theirs(forms)
    )
    data = request.POST.copy()
    data["version"] = str(meeting.version)
    again = MeetingForms.for_meeting(user=request.user, meeting=meeting, data=data)
    again.is_valid()
    return _form_page(request, again, meeting=meeting, draft=draft, conflict=conflict, status=409)


@login_required
@require_GET
def meeting_drafts(request: HttpRequest) -> HttpResponse:
    drafts = MeetingDraft.objects.filter(user_id=request.user.pk or 0).select_related("meeting")
    return render(request, "engagements/meetings/drafts.html", {"drafts": drafts})


@login_required
@require_POST
def meeting_draft_delete(request: HttpRequest, pk: int) -> HttpResponse:
    draft = get_object_or_404(MeetingDraft, pk=pk, user=request.user)
    services.meeting_draft_delete(user=request.user, draft=draft)
    messages.success(request, _("Draft deleted."))
    return redirect("meeting_drafts")


def _meeting_date(request: HttpRequest) -> datetime.date:
    raw = request.GET.get("start_date") or request.POST.get("start_date") or ""
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        zone = request.GET.get("time_zone") or ""
        try:
            return datetime.datetime.now(zoneinfo.ZoneInfo(zone)).date()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return datetime.date.today()


def _row_prefix(request: HttpRequest) -> str:
    prefix = request.GET.get("prefix") or request.POST.get("prefix") or ""
    if not _ROW_PREFIX.match(prefix):
        raise Http404("No such row")
    return prefix


@login_required
@require_GET
def person_search(request: HttpRequest) -> HttpResponse:
    """Autocomplete: people by name, name in native script or sort name, with the post each
    held on the meeting date. People are reference records, not classified; the list is
    offered only to those who log meetings, and only a few at a time."""
    if not policy.may_log_meetings(request.user):
        raise Http404("No such page")
    prefix = _row_prefix(request)
    query = (request.GET.get("q") or request.GET.get(f"{prefix}-person_name") or "").strip()
    day = _meeting_date(request)
    people: list[Person] = []
    if len(query) >= 1:
        people = list(
            Person.objects.filter(
                Q(name__icontains=query)
                | Q(native_name__icontains=query)
                | Q(sort_name__icontains=query)
            )
            .prefetch_related(
                Prefetch(
                    "tenures",
                    queryset=Tenure.objects.valid_on(day)
                    .select_related("post__organization")
                    .order_by("post__rank", "start_date"),
                    to_attr="tenures_on_day",
                )
            )
            .order_by("sort_name", "name")[:AUTOCOMPLETE_LIMIT]
        )
    return render(
        request,
        "engagements/meetings/_person_results.html",
        {"people": people, "prefix": prefix, "query": query, "day": day},
    )


def _participant_row(
    request: HttpRequest, *, prefix: str, initial: dict[str, Any], status: int = 200
) -> HttpResponse:
    index = prefix.rsplit("-", 1)[1]
    form = ParticipantForm(prefix=prefix, initial=initial)
    return render(
        request,
        "engagements/meetings/_participant_row.html",
        {"pform": form, "index": index, "can_delete": True},
        status=status,
    )


@login_required
@require_GET
def participant_row(request: HttpRequest) -> HttpResponse:
    """One participant row with the person picked and their title on the meeting date;
    what else was typed in the row (side, head of delegation) is kept."""
    if not policy.may_log_meetings(request.user):
        raise Http404("No such page")
    prefix = _row_prefix(request)
    raw = request.GET.get("pick", "")
    person = Person.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    if person is None:
        return HttpResponseBadRequest(_("Choose a person from the list."))
    tenure = tenure_valid_on(person_id=person.pk, day=_meeting_date(request))
    side = request.GET.get(f"{prefix}-side")
    initial = {
        "person": person.pk,
        "person_name": person.name,
        "post": tenure.post_id if tenure else None,
        "post_label": tenure.post.label if tenure else "",
        "side": side if side in Participant.Side.values else Participant.Side.COUNTERPART,
        "is_head_of_delegation": bool(request.GET.get(f"{prefix}-is_head_of_delegation")),
    }
    return _participant_row(request, prefix=prefix, initial=initial)


@login_required
@require_POST
def person_quick_add(request: HttpRequest) -> HttpResponse:
    """Create a person and answer with a new participant row for them (and the formset's
    new row count, swapped out of band), leaving the rest of the form as typed."""
    if not policy.may_log_meetings(request.user):
        raise Http404("No such page")
    total_raw = request.POST.get(f"{PARTICIPANTS_PREFIX}-TOTAL_FORMS", "")
    if not total_raw.isdigit() or int(total_raw) > 1000:
        return HttpResponseBadRequest(_("The form is incomplete: reload the page."))
    form = PersonQuickForm(request.POST, prefix="new_person")
    if form.is_valid():
        try:
            person = services.person_create(
                user=request.user,
                name=form.cleaned_data["name"],
                native_name=form.cleaned_data["native_name"],
                honorific_prefix=form.cleaned_data["honorific_prefix"],
            )
        except ValidationError as error:
            for name, texts in error.message_dict.items():
                for text in texts:
                    form.add_error(name if name in form.fields else None, text)
        except PermissionDenied as error:
            raise Http404 from error
        else:
            index = int(total_raw)
            prefix = f"{PARTICIPANTS_PREFIX}-{index}"
            response = render(
                request,
                "engagements/meetings/_participant_added.html",
                {
                    "pform": ParticipantForm(
                        prefix=prefix,
                        initial={
                            "person": person.pk,
                            "person_name": person.name,
                            "side": form.cleaned_data["side"],
                            "post_label": form.cleaned_data["post_label"],
                        },
                    ),
                    "index": index,
                    "can_delete": True,
                    "total_forms": index + 1,
                    "person_form": PersonQuickForm(prefix="new_person"),
                    "person": person,
                },
            )
            return response
    response = render(
        request,
        "engagements/meetings/_person_quick_form.html",
        {"person_form": form},
        status=400,
    )
    # The row list stays as it is; the little form comes back with its errors.
    response["HX-Retarget"] = "#new-person-panel"
    response["HX-Reswap"] = "innerHTML"
    return response


def _detail_context(request: HttpRequest, meeting: Meeting) -> dict[str, Any]:
    participants = list(
        meeting.participants.select_related("person", "organization", "country").order_by(
            "side", "order", "id"
        )
    )
    commitments = list(
        commitments_visible_to(
            request.user,
            queryset=meeting.commitments.select_related("owner", "desk", "meeting", "instrument"),
        ).order_by("due_date", "id")
    )
    try:
        get_template(COMMITMENT_ITEM_TEMPLATE)
        commitment_template = COMMITMENT_ITEM_TEMPLATE
    except TemplateDoesNotExist:
        commitment_template = ""
    may_edit = policy.can_write(
        request.user, desk_id=meeting.desk_id, classification=meeting.classification
    )
    attachments = list(
        attachments_visible_to(request.user).filter(meeting=meeting).select_related("uploaded_by")
    )
    # The answer depends on the uploader alone here: asked once per uploader, not per file.
    may_delete: dict[int | None, bool] = {}
    for attachment in attachments:
        uploader = attachment.uploaded_by_id
        if uploader not in may_delete:
            may_delete[uploader] = may_edit and policy.may_delete_attachment(
                request.user,
                desk_id=meeting.desk_id,
                classification=meeting.classification,
                uploaded_by_id=uploader,
            )
        attachment.may_delete = may_delete[uploader]  # type: ignore[attr-defined]
    return {
        "meeting": meeting,
        "home_participants": [p for p in participants if p.side == Participant.Side.HOME],
        "counterpart_participants": [
            p for p in participants if p.side == Participant.Side.COUNTERPART
        ],
        "observer_participants": [p for p in participants if p.side == Participant.Side.OBSERVER],
        "agenda_items": list(
            AgendaItem.objects.filter(meeting=meeting)
            .select_related("topic__parent")
            .order_by("order", "id")
        ),
        "topics": list(meeting.topics.select_related("parent")),
        "minerals": list(meeting.minerals.all()),
        "instruments": list(meeting.instruments.all()),
        "counterpart_countries": list(meeting.counterpart_countries.all()),
        "attachments": attachments,
        "commitments": commitments,
        "commitment_template": commitment_template,
        "history": meeting_change_log(meeting, user=request.user),
        "may_edit": may_edit,
        "attachment_max_bytes": services.attachment_max_bytes(),
        "attachment_form": AttachmentForm(),
    }


@login_required
@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(
        meetings_visible_to(request.user).select_related("desk", "event", "country", "created_by"),
        pk=pk,
    )
    return render(request, "engagements/meetings/detail.html", _detail_context(request, meeting))


@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = meeting_get_visible(user=request.user, pk=pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(
                user=request.user,
                meeting=meeting,
                upload=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
                description=form.cleaned_data["description"],
            )
        except PermissionDenied as error:
            raise DjangoPermissionDenied(_("You may not add files to this meeting.")) from error
        except ValidationError as error:
            for name, texts in error.message_dict.items():
                for text in texts:
                    form.add_error(name if name in form.fields else None, text)
        else:
            messages.success(request, _("The file is attached."))
            return redirect(f"{reverse('meeting_detail', args=[meeting.pk])}#attachments")
    context = _detail_context(request, meeting)
    context["attachment_form"] = form
    return render(request, "engagements/meetings/detail.html", context, status=400)


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment: Attachment = get_object_or_404(
        attachments_visible_to(request.user).select_related("meeting"), pk=pk
    )
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("The file is missing") from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def attachment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = get_object_or_404(
        attachments_visible_to(request.user).select_related("meeting"), pk=pk
    )
    try:
        services.attachment_delete(user=request.user, attachment=attachment)
    except PermissionDenied as error:
        raise DjangoPermissionDenied(_("You may not delete files of this meeting.")) from error
    messages.success(request, _("The file is deleted."))
    return redirect(f"{reverse('meeting_detail', args=[attachment.meeting_id])}#attachments")
