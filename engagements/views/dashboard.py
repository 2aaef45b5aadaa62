"""The dashboard: what the signed-in user has to do and what is coming, in bounded queries
(a fixed number of them, each with a LIMIT; nothing is counted over the policy filter)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from ..dashboard import (
    CHART_QUARTERS,
    DUE_SOON_DAYS,
    commitment_edit_rule,
    dashboard_quarter_chart,
    desk_id_list,
    my_commitments_due,
    recently_logged_meetings,
    upcoming_meetings_of_my_desks,
    with_counterparts,
)
from ..templatetags.desk_tags import remember_edit_rule


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    now = timezone.now()
    today = timezone.localdate(now)
    desk_ids = desk_id_list(user)
    remember_edit_rule(request, commitment_edit_rule(user, desk_ids=desk_ids))
    due = my_commitments_due(user=user, today=today)
    chart = dashboard_quarter_chart(
        user=user,
        today=today,
        desk_ids=desk_ids,
        title=_("Engagements per quarter, last %(count)d quarters") % {"count": CHART_QUARTERS},
    )
    upcoming = upcoming_meetings_of_my_desks(user=user, now=now)
    recent = recently_logged_meetings(user=user)
    with_counterparts(upcoming, recent)
    context = {
        "overdue": [c for c in due if c.due_date is not None and c.due_date < today],
        "due_soon": [c for c in due if c.due_date is not None and c.due_date >= today],
        "due_has_more": due.has_more,
        "due_soon_days": DUE_SOON_DAYS,
        "upcoming": upcoming,
        "recent": recent,
        "chart": chart,
        "today": today,
    }
    return render(request, "engagements/home.html", context)
