from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .readiness import readiness_report


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    report = readiness_report()
    return JsonResponse(report, status=200 if report["status"] == "ready" else 503)
