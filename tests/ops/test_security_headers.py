"""Headers every page carries (base settings, so the test settings have them too)."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent.parent


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def test_pages_carry_a_strict_content_security_policy(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["base-uri"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


def test_pages_carry_the_other_security_headers(client, db):
    response = client.get(reverse("login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_only_the_api_documentation_pages_relax_the_style_policy(client, charlie):
    client.force_login(charlie)
    for name in ("api:docs", "api:redoc"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        policy = directives(response)
        assert "'unsafe-inline'" in policy["style-src"]
        assert policy["script-src"] == ["'self'"]  # never inline script
    page = client.get(reverse("api:docs")).content.decode()
    assert not re.search(r"<script>", page)  # Swagger's start-up script is a file
    script = client.get(reverse("api:docs") + "?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
    assert "'unsafe-inline'" not in client.get(reverse("api:me"))["Content-Security-Policy"]


def test_the_minerals_pages_load_their_styles_from_a_file(client, charlie):
    client.force_login(charlie)
    page = client.get(reverse("minerals:list")).content.decode()
    assert "<style" not in page
    assert re.search(r'<link rel="stylesheet" href="/static/css/minerals\.css"', page)
    assert client.get("/static/css/minerals.css").status_code == 200


INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=", re.I)
COMMENTS = re.compile(r"{#.*?#}|{% comment %}.*?{% endcomment %}|<!--.*?-->", re.S)


def test_no_page_template_has_inline_script_style_or_event_handler():
    """Emails are not pages: no browser policy applies to them and mail clients need inline
    styles."""
    offenders = []
    for folder in [ROOT / "templates", *ROOT.glob("*/templates")]:
        for path in folder.rglob("*.html"):
            if "emails" in path.parts or ".venv" in path.parts:
                continue
            text = COMMENTS.sub("", path.read_text())
            offenders += [f"{path.relative_to(ROOT)}: {found}" for found in INLINE.findall(text)]
    assert offenders == []


def test_sessions_end_after_a_working_day(settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    assert settings.SESSION_COOKIE_HTTPONLY


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Tr0ub4dor&3", "too short"),
        ("123456789012345", "entirely numeric"),
        ("password123456", "too common"),
        ("alice.liddell.1865", "too similar"),
    ],
)
def test_weak_passwords_are_refused(password, reason, db):
    from tests.factories import UserFactory

    user = UserFactory.build(username="alice.liddell.1865", email="alice@example.org")
    with pytest.raises(ValidationError) as error:
        validate_password(password, user=user)
    assert reason in " ".join(error.value.messages)


def test_a_long_unusual_password_is_accepted(db):
    validate_password("correct horse battery staple 42")
