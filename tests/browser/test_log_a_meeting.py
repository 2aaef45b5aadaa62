"""A desk officer logs the Korea-Chile meeting in a real browser and finds it everywhere it
should appear; an analyst without the clearance finds it nowhere (the seeded scenario)."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.utils import timezone, translation

from accounts.models import Classification
from engagements.models import Commitment, Country, Meeting, Topic
from minerals.models import Mineral

from .conftest import DESKTOP, PHONE, login, screenshot

pytestmark = pytest.mark.browser

LATAM_DESK = "Latin America and the Caribbean"


def _pick_person(page: Any, index: int, typed: str, expected_name: str) -> None:
    """Type part of a name in the row's autocomplete and click the suggestion."""
    search = page.locator(f"#id_participants-{index}-person_name")
    search.fill(typed)
    suggestion = page.locator(f"#participants-{index}-results button.pick").filter(
        has_text=expected_name
    )
    suggestion.click()
    # The row is swapped for one with the person picked and their title on the day.
    page.locator(f"#participants-{index}-row .picked").wait_for()
    assert page.locator(f"#id_participants-{index}-person_name").input_value() == expected_name


def _fill_meeting(page: Any, *, title: str, alice_pk: int, due: datetime.date) -> None:
    page.locator("#id_title").fill(title)
    page.locator("#id_kind").select_option("bilateral")
    page.locator("#id_start_date").fill("2025-03-27")
    page.locator("#id_start_time").fill("10:30")
    page.locator("#id_end_time").fill("11:15")
    page.locator("#id_time_zone").select_option("America/Santiago")
    page.locator("#id_place").fill("Estación Mapocho")
    page.locator("#id_city").fill("Santiago")
    page.locator("#id_country").select_option(label="Chile")

    _pick_person(page, 0, "Marcel", "Mario Marcel Cullell")
    page.locator("#id_participants-0-side").select_option("counterpart")
    assert page.locator("#id_participants-0-post_label").input_value() == "Minister of Finance"

    page.locator("button.add-row[data-formset=participants]").click()
    _pick_person(page, 1, "Yoon", "Kim Yoon-sang")
    page.locator("#id_participants-1-side").select_option("home")
    assert (
        page.locator("#id_participants-1-post_label").input_value()
        == "Second Vice Minister of Economy and Finance"
    )

    topics = Topic.objects.filter(slug__in=["lithium-supply", "copper-supply"])
    page.locator("#id_topics").select_option([str(topic.pk) for topic in topics])
    minerals = Mineral.objects.filter(slug__in=["lithium", "copper"])
    page.locator("#id_minerals").select_option([str(mineral.pk) for mineral in minerals])
    page.locator("#id_summary").fill(
        "A stable supply of lithium and copper for electric-vehicle batteries."
    )
    page.locator("#id_desk").select_option(label=LATAM_DESK)
    page.locator("#id_classification").select_option(str(Classification.RESTRICTED))

    page.locator("#id_commitments-0-title").fill("Send the lithium offtake term sheet")
    page.locator("#id_commitments-0-owed_by").select_option("home")
    page.locator("#id_commitments-0-owner").select_option(str(alice_pk))
    page.locator("#id_commitments-0-due_date").fill(due.isoformat())


@pytest.mark.parametrize(
    ("label", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)], ids=["desktop", "phone"]
)
def test_alice_logs_the_korea_chile_meeting_and_charlie_cannot_see_it(
    seeded, alice, charlie, new_page, console, label, viewport
):
    base = seeded.url
    title = f"Korea-Chile lithium and copper supply talks ({label})"
    due = timezone.localdate() + datetime.timedelta(days=14)
    page = new_page(viewport)

    login(page, base, "alice")
    screenshot(page, f"{label}-01-dashboard-before")
    page.locator("main").get_by_role("link", name="Log a meeting").click()
    page.wait_for_url(re.compile(r"/meetings/new/$"))
    assert page.locator("h1").inner_text() == "Log a meeting"

    _fill_meeting(page, title=title, alice_pk=alice.pk, due=due)
    screenshot(page, f"{label}-02-meeting-form")
    page.locator("button[type=submit][value=save]").click()
    page.wait_for_url(re.compile(r"/meetings/\d+/$"))

    # Saved as typed, through the form.
    meeting = Meeting.objects.get(title=title)
    assert meeting.desk.code == "latam"
    assert meeting.classification == Classification.RESTRICTED
    assert meeting.time_zone == "America/Santiago"
    assert {t.slug for t in meeting.topics.all()} == {"lithium-supply", "copper-supply"}
    assert {m.slug for m in meeting.minerals.all()} == {"lithium", "copper"}
    sides = {p.person.name: (p.side, p.post_label) for p in meeting.participants.all()}
    assert sides == {
        "Mario Marcel Cullell": ("counterpart", "Minister of Finance"),
        "Kim Yoon-sang": ("home", "Second Vice Minister of Economy and Finance"),
    }
    commitment = Commitment.objects.get(meeting=meeting)
    assert (commitment.owner_id, commitment.due_date) == (alice.pk, due)

    # The meeting page.
    assert page.url == f"{base}/meetings/{meeting.pk}/"
    assert page.locator("h1").inner_text().strip() == title
    main = page.locator("main")
    for text in ("Mario Marcel Cullell", "Minister of Finance", "Kim Yoon-sang"):
        assert main.get_by_text(text).first.is_visible(), text
    assert main.get_by_text("Send the lithium offtake term sheet").first.is_visible()
    screenshot(page, f"{label}-03-meeting-detail")

    # The dashboard: the meeting among the recent ones, the commitment among her follow-ups.
    page.goto(f"{base}/")
    assert page.locator(f"main a[href='/meetings/{meeting.pk}/']").count() >= 1
    assert (
        page.locator(".dashboard-commitments")
        .get_by_text("Send the lithium offtake term sheet")
        .is_visible()
    )
    screenshot(page, f"{label}-04-dashboard")

    # Chile's profile: on its timeline.
    page.goto(f"{base}/countries/CL/")
    assert page.locator(f"main a[href='/meetings/{meeting.pk}/']").count() >= 1
    screenshot(page, f"{label}-05-country-chile")

    # The meetings list, searched for "lithium": found, the match highlighted.
    page.goto(f"{base}/meetings/")
    page.locator("#id_q").fill("lithium")
    page.locator("#meeting-filters .search-box button[type=submit]").click()
    row = page.locator(f"tr.meeting[data-meeting-id='{meeting.pk}']")
    row.wait_for()
    assert row.locator("mark").first.inner_text().lower() == "lithium"
    screenshot(page, f"{label}-06-search-lithium")

    # The briefing on Chile, and its PDF.
    page.goto(f"{base}/briefings/countries/CL/")
    assert page.locator("main").get_by_text(title).first.is_visible()
    screenshot(page, f"{label}-07-briefing-chile")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download as PDF").click()
    pdf = download_info.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    assert len(pdf) > 5_000
    console.assert_clean()

    # Charlie, an analyst cleared to internal, finds nothing of it.
    other = new_page(viewport)
    login(other, base, "charlie")
    other.goto(f"{base}/meetings/?q=lithium")
    other.locator("#meeting-results").wait_for()
    assert other.locator(f"tr.meeting[data-meeting-id='{meeting.pk}']").count() == 0
    assert other.get_by_text(title).count() == 0
    screenshot(other, f"{label}-08-analyst-search-lithium")
    console.assert_clean()
    response = other.goto(f"{base}/meetings/{meeting.pk}/")
    assert response is not None and response.status == 404
    assert other.get_by_text(title).count() == 0


def test_alice_logs_a_meeting_in_korean(seeded, alice, new_page, console):
    base = seeded.url
    page = new_page(DESKTOP)
    login(page, base, "alice")

    # The language switch in the footer of every page.
    page.locator("#site-language").select_option("ko")
    page.locator("form.language-switch button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.locator("html").get_attribute("lang") == "ko"

    page.goto(f"{base}/meetings/new/")
    assert page.locator("html").get_attribute("lang") == "ko"
    with translation.override("ko"):
        heading = translation.gettext("Log a meeting")
        submit = translation.gettext("Log the meeting")
        logged = translation.gettext("The meeting is logged.")
    assert page.locator("h1").inner_text().strip() == heading
    assert page.locator("button[type=submit][value=save]").inner_text().strip() == submit

    title = "한-칠레 핵심광물 협력 면담"
    page.locator("#id_title").fill(title)
    page.locator("#id_kind").select_option("bilateral")
    page.locator("#id_start_date").fill("2025-03-28")
    page.locator("#id_time_zone").select_option("America/Santiago")
    page.locator("#id_country").select_option(value=str(Country.objects.get(iso2="CL").pk))
    _pick_person(page, 0, "김윤", "Kim Yoon-sang")
    page.locator("#id_participants-0-side").select_option("home")
    page.locator("#id_desk").select_option(label=LATAM_DESK)
    page.locator("#id_classification").select_option(str(Classification.RESTRICTED))
    screenshot(page, "ko-01-meeting-form")
    page.locator("button[type=submit][value=save]").click()
    page.wait_for_url(re.compile(r"/meetings/\d+/$"))

    meeting = Meeting.objects.get(title=title)
    assert page.url == f"{base}/meetings/{meeting.pk}/"
    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.locator("h1").inner_text().strip() == title
    assert page.locator(".messages").get_by_text(logged).is_visible()
    alice.refresh_from_db()
    assert alice.language == "ko"
    screenshot(page, "ko-02-meeting-detail")
    console.assert_clean()
