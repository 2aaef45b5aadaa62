"""{{ text|markdown }}: Markdown rendered to HTML, then sanitised against an allow-list.

Officers write notes and outcomes in Markdown, and Markdown lets raw HTML through; nh3
(ammonia) then keeps only the tags below, links only to http, https and mailto, and no
attributes that could run script (on*, style) or load anything (img is not allowed).
"""

from __future__ import annotations

import re

import markdown as markdown_lib  # type: ignore[import-untyped]
import nh3
from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "em",
    "strong",
    "del",
    "ul",
    "ol",
    "li",
    "a",
    "code",
    "pre",
    "blockquote",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
# The content of these goes too, not only the tag.
REMOVED_WITH_CONTENT = {"script", "style"}

_TOP_HEADING = re.compile(r"<(/?)h[12]\b")
_EXTENSIONS = ["tables", "fenced_code", "sane_lists"]


def render_markdown(text: str | None) -> str:
    if not text:
        return ""
    html = markdown_lib.markdown(text, extensions=_EXTENSIONS, output_format="html")
    # Headings of a record sit under the page's own h1/h2: demote rather than drop them.
    html = _TOP_HEADING.sub(r"<\1h3", html)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=REMOVED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        url_relative="deny",
    )


@register.filter(name="markdown", is_safe=True)
def markdown_filter(text: str | None) -> SafeString:
    return mark_safe(render_markdown(text))
