import datetime
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import Classification
from engagements.views.briefings import StaticOnlyFetcher
from tests import factories

ORIGIN = "http://testserver"


def pdf_text(response) -> str:
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


@pytest.fixture
def chile(db):
    return factories.CountryFactory(iso2="CL", iso3="CHL", name="Chile")


@pytest.fixture
def scenario(chile, desk_latam, alice):
    """A minister in post, an open meeting, a restricted one and a confidential one with Chile,
    each with an open commitment; an instrument Chile is party to; a mineral figure."""
    ministry = factories.OrganizationFactory(name="Ministry of Finance of Chile", country=chile)
    post = factories.PostFactory(label="Minister of Finance", organization=ministry)
    minister = factories.PersonFactory(name="Nicolás Grau", native_name="니콜라스 그라우")
    factories.TenureFactory(person=minister, post=post, start_date=datetime.date(2025, 8, 21))
    previous = factories.PersonFactory(name="Mario Marcel")
    factories.TenureFactory(
        person=previous,
        post=post,
        start_date=datetime.date(2022, 3, 11),
        end_date=datetime.date(2025, 8, 21),
    )
    day = datetime.datetime(2025, 3, 28, 14, tzinfo=datetime.UTC)
    open_meeting = factories.MeetingFactory(
        title="Korea-Chile open dialogue",
        desk=desk_latam,
        start=day,
        outcomes="Both sides **agreed** on a lithium working group.",
    )
    open_meeting.counterpart_countries.add(chile)
    factories.ParticipantFactory(
        meeting=open_meeting,
        person=minister,
        side="counterpart",
        country=chile,
        post_label="Minister of Finance",
    )
    restricted = factories.MeetingFactory(
        title="Korea-Chile offtake talk",
        desk=desk_latam,
        start=day - datetime.timedelta(days=30),
        classification=Classification.RESTRICTED,
    )
    restricted.counterpart_countries.add(chile)
    confidential = factories.MeetingFactory(
        title="Korea-Chile confidential price talk",
        desk=desk_latam,
        start=day - datetime.timedelta(days=60),
        classification=Classification.CONFIDENTIAL,
        outcomes="Secret outcome text.",
    )
    confidential.counterpart_countries.add(chile)
    factories.ParticipantFactory(meeting=confidential, person=minister, side="counterpart")
    factories.CommitmentFactory(
        title="Send the working group terms", meeting=open_meeting, owed_by="home", owner=alice
    )
    factories.CommitmentFactory(
        title="Chile shares the royalty schedule", meeting=restricted, owed_by="counterpart"
    )
    factories.CommitmentFactory(title="Confidential follow-up", meeting=confidential)
    instrument = factories.InstrumentFactory(name="Chile Lithium Facility", kind="facility")
    instrument.parties.create(country=chile, role="beneficiary")
    lithium = factories.MineralFactory(name="Lithium", slug="lithium")
    factories.MineralStatisticFactory(mineral=lithium, country=chile, value=49000)
    return {
        "minister": minister,
        "previous": previous,
        "open": open_meeting,
        "restricted": restricted,
        "confidential": confidential,
    }


def test_country_pack_contents(client, alice, scenario):
    client.force_login(alice)
    response = client.get(reverse("briefing_country", args=["cl"]))
    assert response.status_code == 200
    page = response.content.decode()
    # Counterparts in post, with since-dates; the predecessor is not current.
    assert "Nicolás Grau" in page and "니콜라스 그라우" in page
    assert 'datetime="2025-08-21"' in page
    assert "Mario Marcel" not in page
    assert reverse("briefing_person", args=[scenario["minister"].pk]) in page
    # Meetings and their outcomes (Markdown rendered).
    assert "Korea-Chile open dialogue" in page and "Korea-Chile offtake talk" in page
    assert "<strong>agreed</strong>" in page
    # Open commitments on both sides.
    assert "Send the working group terms" in page
    assert "Chile shares the royalty schedule" in page
    assert "Owed by our side" in page and "Owed by the counterpart" in page
    # Instruments and mineral figures.
    assert "Chile Lithium Facility" in page
    assert "Lithium" in page and "49" in page
    assert reverse("briefing_country_pdf", args=["CL"]) in page


def test_country_pack_hides_what_the_reader_may_not_see(client, alice, bob, erin, scenario):
    client.force_login(alice)
    page = client.get(reverse("briefing_country", args=["CL"])).content.decode()
    assert "confidential price talk" not in page
    assert "Secret outcome text" not in page
    assert "Confidential follow-up" not in page
    client.force_login(bob)
    page = client.get(reverse("briefing_country", args=["CL"])).content.decode()
    assert "Korea-Chile open dialogue" in page
    assert "Korea-Chile offtake talk" not in page
    assert "Chile shares the royalty schedule" not in page
    client.force_login(erin)
    page = client.get(reverse("briefing_country", args=["CL"])).content.decode()
    assert "confidential price talk" in page and "Confidential follow-up" in page


def test_country_pdf(client, alice, scenario):
    client.force_login(alice)
    response = client.get(reverse("briefing_country_pdf", args=["cl"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="briefing-cl-')
    assert disposition.endswith('.pdf"')
    text = pdf_text(response)
    assert "Korea-Chile open dialogue" in text
    assert "Korea-Chile offtake talk" in text
    assert "Send the working group terms" in text
    # Korean renders (a CJK font is embedded and maps back to the characters).
    assert "니콜라스" in text.replace(" ", "")
    assert "confidential price talk" not in text
    assert "Secret outcome text" not in text
    assert "Confidential follow-up" not in text


def test_pdf_hides_what_bob_may_not_see(client, bob, scenario):
    client.force_login(bob)
    text = pdf_text(client.get(reverse("briefing_country_pdf", args=["CL"])))
    assert "Korea-Chile open dialogue" in text
    assert "offtake talk" not in text and "royalty schedule" not in text


def test_person_pack(client, alice, erin, scenario):
    minister = scenario["minister"]
    client.force_login(alice)
    response = client.get(reverse("briefing_person", args=[minister.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Minister of Finance" in page and "니콜라스 그라우" in page
    assert "Korea-Chile open dialogue" in page
    assert "confidential price talk" not in page
    assert "Send the working group terms" in page
    client.force_login(erin)
    page = client.get(reverse("briefing_person", args=[minister.pk])).content.decode()
    assert "confidential price talk" in page


def test_person_pdf(client, alice, scenario):
    minister = scenario["minister"]
    client.force_login(alice)
    response = client.get(reverse("briefing_person_pdf", args=[minister.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="briefing-{minister.slug}-' in response["Content-Disposition"]
    text = pdf_text(response)
    assert "Korea-Chile open dialogue" in text
    assert "confidential price talk" not in text


def test_upcoming_meeting(client, alice, scenario, desk_latam):
    upcoming = factories.MeetingFactory(
        title="Santiago bilateral next month", desk=desk_latam, status="planned"
    )
    factories.AgendaItemFactory(meeting=upcoming, title="Lithium offtake terms")
    client.force_login(alice)
    url = reverse("briefing_country", args=["CL"])
    page = client.get(url, {"upcoming": upcoming.pk}).content.decode()
    assert "The meeting ahead" in page and "Santiago bilateral next month" in page
    assert "Lithium offtake terms" in page
    assert f"?upcoming={upcoming.pk}" in page  # the PDF link keeps it
    pdf = client.get(reverse("briefing_country_pdf", args=["CL"]), {"upcoming": upcoming.pk})
    assert "Santiago bilateral next month" in pdf_text(pdf)


def test_upcoming_hidden_or_invalid(client, alice, scenario):
    client.force_login(alice)
    url = reverse("briefing_country", args=["CL"])
    assert client.get(url, {"upcoming": scenario["confidential"].pk}).status_code == 404
    pdf_url = reverse("briefing_country_pdf", args=["CL"])
    assert client.get(pdf_url, {"upcoming": scenario["confidential"].pk}).status_code == 404
    response = client.get(url, {"upcoming": "next"})
    assert response.status_code == 400
    assert "upcoming" in response.content.decode()


def test_unknown_subjects_are_404(client, alice, db):
    client.force_login(alice)
    assert client.get(reverse("briefing_country", args=["ZZ"])).status_code == 404
    assert client.get(reverse("briefing_person", args=[999999])).status_code == 404
    assert client.get(reverse("briefing_person_pdf", args=[999999])).status_code == 404


def test_briefings_need_login(client, scenario):
    response = client.get(reverse("briefing_country_pdf", args=["CL"]))
    assert response.status_code == 302 and reverse("login") in response.url


def test_briefing_index(client, alice, chile, desk_latam):
    desk_latam.countries.add(chile)
    client.force_login(alice)
    page = client.get(reverse("briefing_index")).content.decode()
    assert reverse("briefing_country", args=["CL"]) in page
    response = client.get(reverse("briefing_index"), {"country": "cl"})
    assert response.status_code == 302
    assert response.url == reverse("briefing_country", args=["CL"])
    response = client.get(reverse("briefing_index"), {"country": "QQ"})
    assert response.status_code == 400
    assert "QQ" in response.content.decode()


@pytest.mark.parametrize("extra", [0, 12])
def test_country_pack_query_count_does_not_grow(
    client, alice, scenario, chile, desk_latam, extra, django_assert_max_num_queries
):
    for index in range(extra):
        meeting = factories.MeetingFactory(desk=desk_latam, outcomes=f"Outcome {index}")
        meeting.counterpart_countries.add(chile)
        factories.ParticipantFactory(meeting=meeting, side="counterpart", country=chile)
        factories.AgendaItemFactory(meeting=meeting, outcome="Agreed")
        factories.CommitmentFactory(meeting=meeting)
    client.force_login(alice)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("briefing_country", args=["CL"]))
    assert response.status_code == 200


# --- no external fetches ------------------------------------------------------------------------


def test_fetcher_serves_static_files_only():
    fetcher = StaticOnlyFetcher(origin=ORIGIN)
    response = fetcher.fetch(f"{ORIGIN}/static/css/print.css")
    assert b"@page" in response.read()
    assert response.content_type == "text/css"
    for url in (
        "https://example.org/static/css/print.css",
        "http://169.254.169.254/latest/meta-data/",
        f"{ORIGIN}/media/attachments/1/minutes.pdf",
        f"{ORIGIN}/static/../config/settings/base.py",
        f"{ORIGIN}/static/css/missing.css",
        "file:///etc/passwd",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_pdf_does_not_fetch_external_addresses(client, alice, scenario, monkeypatch):
    fetched = []
    original = StaticOnlyFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(StaticOnlyFetcher, "fetch", spy)
    scenario[
        "open"
    ].outcomes = "See [the notes](https://example.org/notes) and ![x](https://example.org/x.png)"
    scenario["open"].save()
    client.force_login(alice)
    response = client.get(reverse("briefing_country_pdf", args=["CL"]))
    assert response.status_code == 200
    assert fetched, "the stylesheets go through the fetcher"
    assert all(url.startswith(f"{ORIGIN}/static/") for url in fetched)
