"""Tags of the site layout.

{% optional_url "name" arg as var %}: the address of a URL name, or "" while no app has
defined that name yet. Navigation links to pages other parts of the project add later, and a
plain {% url %} of a missing name would break every page.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()


@register.simple_tag
def optional_url(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args or None)
    except NoReverseMatch:
        return ""
