from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..selectors import meetings_for_list


@login_required
def home(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(meetings_for_list(user=request.user), 25)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "engagements/home.html", {"page": page})
