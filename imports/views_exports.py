"""The export downloads: thin views over imports.exports."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.views.decorators.http import require_GET

from . import exports


@require_GET
@login_required
def transparency_return(request: HttpRequest) -> HttpResponse:
    try:
        period = exports.period_from_params(request.GET)
    except exports.PeriodError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    body = exports.transparency_csv(user=request.user, period=period)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="transparency-return-{period.label}.csv"'
    )
    return response


@require_GET
@login_required
def popolo_export(request: HttpRequest) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        (chunk.encode("utf-8") for chunk in exports.popolo_json_chunks()),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="popolo.json"'
    return response
