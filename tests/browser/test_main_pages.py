"""Every main page, opened by a desk officer in a real browser: it answers 200 under the
strict Content-Security-Policy, reports no console error (CSP violations among them) and no
uncaught script error, and leaves a screenshot in test-artefacts/screenshots/."""

from __future__ import annotations

from typing import Any

import pytest

from engagements.models import Event, Instrument, Meeting, Organization, Person, Topic

from .conftest import DESKTOP, PHONE, login, screenshot

pytestmark = pytest.mark.browser


def _main_pages() -> list[tuple[str, str]]:
    meeting = Meeting.objects.get(external_id="idb-am-2025-korea-chile")
    kim = Person.objects.get(name="Kim Yoon-sang")
    return [
        ("dashboard", "/"),
        ("meeting-list", "/meetings/"),
        ("meeting-new", "/meetings/new/"),
        ("meeting-drafts", "/meetings/drafts/"),
        ("meeting-detail", f"/meetings/{meeting.pk}/"),
        ("meeting-edit", f"/meetings/{meeting.pk}/edit/"),
        ("commitments", "/commitments/"),
        ("briefings", "/briefings/"),
        ("briefing-country", "/briefings/countries/CL/"),
        ("briefing-person", f"/briefings/people/{kim.pk}/"),
        ("countries", "/countries/"),
        ("country", "/countries/CL/"),
        ("people", "/people/"),
        ("person", f"/people/{kim.pk}/"),
        ("organizations", "/organizations/"),
        ("organization", f"/organizations/{Organization.objects.get(abbreviation='IDB').pk}/"),
        ("events", "/events/"),
        ("event", f"/events/{Event.objects.filter(meetings=meeting).get().pk}/"),
        ("instruments", "/instruments/"),
        ("instrument", f"/instruments/{Instrument.objects.order_by('pk')[0].pk}/"),
        ("topics", "/topics/"),
        ("topic", f"/topics/{Topic.objects.get(slug='lithium-supply').pk}/"),
        ("minerals", "/minerals/"),
        ("mineral", "/minerals/lithium/"),
        ("imports", "/imports/"),
        ("notifications", "/notifications/"),
        ("account", "/account/"),
    ]


def _visit_all(page: Any, base: str, console: Any, label: str) -> None:
    failures = []
    for name, path in _main_pages():
        response = page.goto(f"{base}{path}")
        page.wait_for_load_state("load")
        assert response is not None
        if response.status != 200:
            failures.append(f"{path}: HTTP {response.status}")
            continue
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy, f"{path}: no strict CSP ({policy!r})"
        screenshot(page, f"{label}-page-{name}")
    assert not failures, failures
    console.assert_clean()


def test_main_pages_have_no_console_errors_on_a_desktop(seeded, alice, new_page, console):
    page = new_page(DESKTOP)
    page.goto(f"{seeded.url}/accounts/login/")
    screenshot(page, "desktop-page-login")
    login(page, seeded.url, "alice")
    _visit_all(page, seeded.url, console, "desktop")

    # The watch does catch a violation: an inline script added to the page is refused.
    page.evaluate(
        """() => {
        const script = document.createElement("script");
        script.textContent = "document.body.dataset.inline = 'ran'";
        document.body.appendChild(script);
    }"""
    )
    page.wait_for_timeout(200)
    assert page.locator("body").get_attribute("data-inline") is None
    assert any("Content Security Policy" in e or "CSP violation" in e for e in console.errors)
    console.clear()


def test_main_pages_have_no_console_errors_on_a_phone(seeded, alice, new_page, console):
    page = new_page(PHONE)
    login(page, seeded.url, "alice")
    _visit_all(page, seeded.url, console, "phone")
    # The narrow menu opens and leads to the meeting form.
    page.goto(f"{seeded.url}/")
    menu = page.locator("details.site-menu")
    assert menu.is_visible()
    menu.locator("summary").click()
    menu.get_by_role("link", name="Log a meeting").click()
    page.wait_for_url(f"{seeded.url}/meetings/new/")
    console.assert_clean()
