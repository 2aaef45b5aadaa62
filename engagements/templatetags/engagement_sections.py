"""Engagement sections that other apps' pages show: the figures join their records with the
meetings the user may see, so they are read here, on the engagements side.

{% mineral_engagements mineral %}: the engagement section of a mineral page, its quarterly
chart and latest visible meetings (templates/engagements/profiles/_mineral_engagements.html);
two queries."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from ..charts import quarterly_chart
from ..selectors import meetings_on_mineral

register = template.Library()


@register.inclusion_tag("engagements/profiles/_mineral_engagements.html", takes_context=True)
def mineral_engagements(context: template.Context, mineral: Any) -> dict[str, Any]:
    user = context["request"].user
    meetings = meetings_on_mineral(user, mineral=mineral)
    return {
        "mineral": mineral,
        "engagement_chart": quarterly_chart(
            meetings,
            key=f"mineral-{mineral.slug}",
            title=_("Meetings on %(mineral)s per quarter, by country met with")
            % {"mineral": mineral.name},
            group_by="country",
        ),
        "engagement_meetings": list(
            meetings.select_related("event", "country", "desk").order_by("-start", "-id")[:10]
        ),
    }
