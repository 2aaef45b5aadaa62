from typing import Any

from django.conf import settings
from django.http import HttpRequest


def single_sign_on(request: HttpRequest) -> dict[str, Any]:
    """Whether the sign-in page offers single sign-on, and under what name."""
    return {
        "single_sign_on": settings.OIDC_ENABLED,
        "single_sign_on_name": settings.OIDC_PROVIDER_NAME,
    }
