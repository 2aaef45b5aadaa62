"""Briefing packs: a country's or a person's, as a print-ready page and as a PDF.

The PDF is the same content rendered by WeasyPrint. WeasyPrint fetches nothing from the
network: StaticOnlyFetcher serves the project's own static files from disk and refuses every
other address (a stylesheet, image or font named in user-written text included).
"""

from __future__ import annotations

import mimetypes
import posixpath
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from accounts.policy import desk_ids_of

from .. import briefings
from ..models import Country, Meeting

PACK_TEMPLATE = "engagements/briefings/pack.html"
PDF_TEMPLATE = "engagements/briefings/pack_pdf.html"


class BadParameter(Exception):
    pass


class StaticOnlyFetcher(URLFetcher):
    """Serves <origin>/<STATIC_URL>... from the static files on disk; refuses the rest."""

    def __init__(self, *, origin: str) -> None:
        super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
        self.origin = origin.rstrip("/")

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        prefix = "/" + settings.STATIC_URL.strip("/") + "/"
        if f"{parts.scheme}://{parts.netloc}" != self.origin or not parts.path.startswith(prefix):
            raise ValueError(f"Not fetched (only this site's static files are): {url}")
        name = unquote(parts.path[len(prefix) :])
        if not name or name != posixpath.normpath(name) or name.startswith(("/", "..")):
            raise ValueError(f"Not a static file: {url}")
        body = self._read(name)
        if body is None:
            raise ValueError(f"No such static file: {url}")
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})

    @staticmethod
    def _read(name: str) -> bytes | None:
        try:
            if staticfiles_storage.exists(name):
                with staticfiles_storage.open(name) as handle:
                    return bytes(handle.read())
            found = finders.find(name)
        except (SuspiciousFileOperation, ValueError, OSError):
            return None
        if not found or isinstance(found, list):
            return None
        with open(found, "rb") as handle:
            return handle.read()


def render_pdf(html: str, *, origin: str) -> bytes:
    fetcher = StaticOnlyFetcher(origin=origin)
    pdf = HTML(string=html, base_url=origin + "/", url_fetcher=fetcher).write_pdf()
    assert pdf is not None
    return bytes(pdf)


def _upcoming(request: HttpRequest) -> Meeting | None:
    raw = request.GET.get("upcoming", "")
    if raw == "":
        return None
    try:
        pk = int(raw)
    except ValueError as error:
        raise BadParameter(
            _("upcoming: give the number of a meeting, not “%(value)s”.") % {"value": raw[:40]}
        ) from error
    meeting = briefings.upcoming_meeting(user=request.user, pk=pk)
    if meeting is None:
        raise Http404("No such meeting.")
    return meeting


def _bad_request(message: str) -> HttpResponse:
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


def _respond(
    request: HttpRequest, pack: briefings.BriefingPack, *, pdf: bool, pdf_url: str, name: str
) -> HttpResponse:
    query = f"?upcoming={pack.upcoming.pk}" if pack.upcoming else ""
    context = {"pack": pack, "pdf_url": pdf_url + query, "is_pdf": pdf}
    if not pdf:
        return render(request, PACK_TEMPLATE, context)
    html = render_to_string(PDF_TEMPLATE, context, request=request)
    body = render_pdf(html, origin=f"{request.scheme}://{request.get_host()}")
    response = HttpResponse(body, content_type="application/pdf")
    filename = f"briefing-{name}-{pack.as_of.isoformat()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _country(request: HttpRequest, iso2: str, *, pdf: bool) -> HttpResponse:
    country = briefings.country_get(iso2=iso2)
    if country is None:
        raise Http404("No such country.")
    try:
        upcoming = _upcoming(request)
    except BadParameter as error:
        return _bad_request(str(error))
    pack = briefings.country_pack(user=request.user, country=country, upcoming=upcoming)
    return _respond(
        request,
        pack,
        pdf=pdf,
        pdf_url=reverse("briefing_country_pdf", args=[country.iso2]),
        name=country.iso2.lower(),
    )


def _person(request: HttpRequest, pk: int, *, pdf: bool) -> HttpResponse:
    person = briefings.person_get(pk=pk)
    if person is None:
        raise Http404("No such person.")
    try:
        upcoming = _upcoming(request)
    except BadParameter as error:
        return _bad_request(str(error))
    pack = briefings.person_pack(user=request.user, person=person, upcoming=upcoming)
    return _respond(
        request,
        pack,
        pdf=pdf,
        pdf_url=reverse("briefing_person_pdf", args=[person.pk]),
        name=slugify(person.slug or person.name) or str(person.pk),
    )


@login_required
@require_GET
def briefing_country(request: HttpRequest, iso2: str) -> HttpResponse:
    return _country(request, iso2, pdf=False)


@login_required
@require_GET
def briefing_country_pdf(request: HttpRequest, iso2: str) -> HttpResponse:
    return _country(request, iso2, pdf=True)


@login_required
@require_GET
def briefing_person(request: HttpRequest, pk: int) -> HttpResponse:
    return _person(request, pk, pdf=False)


@login_required
@require_GET
def briefing_person_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _person(request, pk, pdf=True)


@login_required
@require_GET
def briefing_index(request: HttpRequest) -> HttpResponse:
    """Choose a country; the countries of the reader's desks first."""
    chosen = request.GET.get("country", "")
    if chosen:
        country = briefings.country_get(iso2=chosen)
        if country is None:
            return render(
                request,
                "engagements/briefings/index.html",
                _index_context(
                    request,
                    error=_("country: no country has the code “%(code)s”.") % {"code": chosen[:10]},
                ),
                status=400,
            )
        return HttpResponseRedirect(reverse("briefing_country", args=[country.iso2]))
    return render(request, "engagements/briefings/index.html", _index_context(request))


def _index_context(request: HttpRequest, *, error: str = "") -> dict[str, Any]:
    desk_countries = list(
        Country.objects.filter(desks__in=desk_ids_of(request.user)).distinct().order_by("name")
        if request.user.is_authenticated
        else []
    )
    return {
        "desk_countries": desk_countries,
        "countries": list(Country.objects.order_by("name").only("iso2", "name")),
        "error": error,
    }
