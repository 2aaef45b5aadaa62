"""Notification state shown on other apps' pages, so that those apps need not import
notifications (it sits above them and listens to their signals).

{% notification_summary as summary %}: the signed-in user's watches (`summary.watches`) and
active calendar feed (`summary.calendar_feed`, or None); two queries. The account page shows
them."""

from __future__ import annotations

from typing import Any

from django import template

from .. import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def notification_summary(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"watches": [], "calendar_feed": None}
    return {
        "watches": list(selectors.watches_of(user)),
        "calendar_feed": selectors.active_calendar_feed(user),
    }
