"""/meetings/export/: CSV and XLSX of the filtered, access-scoped meetings list."""

import csv
import io

import pytest
from django.http import StreamingHttpResponse
from openpyxl import load_workbook

from accounts.models import Classification
from engagements.exports import neutralise
from tests import factories
from tests.engagements.test_views_browse import build_scenario

URL = "/meetings/export/"


@pytest.fixture
def scenario(desk_latam):
    return build_scenario(desk_latam)


def body_of(response):
    if isinstance(response, StreamingHttpResponse) or response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def csv_rows(response):
    text = body_of(response).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def xlsx_sheet(response):
    workbook = load_workbook(io.BytesIO(body_of(response)))
    return workbook.worksheets[0]


def test_csv_has_a_bom_a_header_and_one_row_per_meeting(client, alice, scenario):
    client.force_login(alice)
    response = client.get(URL, {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="meetings-')
    assert response.streaming
    rows = csv_rows(response)
    assert rows[0][:4] == ["ID", "Date", "Date precision", "Title"]
    assert rows[0][-2:] == ["Summary", "Outcomes"]
    assert len(rows[0]) == 17
    by_id = {int(row[0]): row for row in rows[1:]}
    hidden = by_id[scenario["hidden"].pk]
    assert hidden[3] == "Copper and brine talk"
    assert hidden[7] == "Chile"  # counterpart countries
    assert hidden[8] == "IDB Annual Meeting 2025"
    assert hidden[10] == "Restricted"
    assert "Mario Marcel" in hidden[11] and "Chile" in hidden[11]
    assert hidden[12] == "Critical minerals" and hidden[13] == "Lithium"
    assert hidden[14] == "Korea Infrastructure Fund"
    assert hidden[1] == scenario["hidden"].meeting_date.isoformat()


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize(
    ("username", "sees_hidden"),
    [("alice", True), ("erin", True), ("bob", False), ("charlie", False)],
)
def test_the_export_obeys_the_access_policy(request, client, scenario, kind, username, sees_hidden):
    client.force_login(request.getfixturevalue(username))
    response = client.get(URL, {"format": kind})
    assert response.status_code == 200
    if kind == "csv":
        ids = {int(row[0]) for row in csv_rows(response)[1:]}
    else:
        ids = {row[0] for row in xlsx_sheet(response).iter_rows(min_row=2, values_only=True)}
    assert (scenario["hidden"].pk in ids) is sees_hidden
    assert scenario["open"].pk in ids


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_export_applies_the_lists_filters(client, alice, scenario, desk_latam, kind):
    peru_meeting = factories.MeetingFactory(desk=desk_latam, title="Peru talk")
    peru_meeting.counterpart_countries.add(scenario["peru"])
    client.force_login(alice)
    response = client.get(URL, {"format": kind, "country": "PE"})
    if kind == "csv":
        ids = [int(row[0]) for row in csv_rows(response)[1:]]
    else:
        ids = [row[0] for row in xlsx_sheet(response).iter_rows(min_row=2, values_only=True)]
    assert ids == [peru_meeting.pk]
    response = client.get(URL, {"format": kind, "q": "lithium"})
    if kind == "csv":
        ids = [int(row[0]) for row in csv_rows(response)[1:]]
    else:
        ids = [row[0] for row in xlsx_sheet(response).iter_rows(min_row=2, values_only=True)]
    assert ids == [scenario["hidden"].pk]


DANGEROUS = {
    "title": '=HYPERLINK("http://evil.example","click")',
    "summary": "+1+cmd|' /C calc'!A0",
    "outcomes": "-2+3",
    "raw_name": "@SUM(1+1)",
    "event": "\tTabbed",
    "topic": "\rReturned",
}


@pytest.fixture
def dangerous_meeting(desk_latam):
    meeting = factories.MeetingFactory(
        desk=desk_latam,
        title=DANGEROUS["title"],
        summary=DANGEROUS["summary"],
        outcomes=DANGEROUS["outcomes"],
        event=factories.EventFactory(name=DANGEROUS["event"]),
        classification=Classification.INTERNAL,
    )
    factories.ParticipantFactory(meeting=meeting, person=None, raw_name=DANGEROUS["raw_name"])
    meeting.topics.add(factories.TopicFactory(name=DANGEROUS["topic"]))
    return meeting


def test_csv_neutralises_formulas(client, alice, dangerous_meeting):
    client.force_login(alice)
    rows = csv_rows(client.get(URL, {"format": "csv"}))
    row = rows[1]
    assert row[3] == "'" + DANGEROUS["title"]
    assert row[8] == "'" + DANGEROUS["event"]
    assert row[11].startswith("'@SUM(1+1)")
    assert row[12] == "'" + DANGEROUS["topic"]
    assert row[15] == "'" + DANGEROUS["summary"]
    assert row[16] == "'" + DANGEROUS["outcomes"]
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_xlsx_neutralises_formulas(client, alice, dangerous_meeting):
    client.force_login(alice)
    response = client.get(URL, {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = xlsx_sheet(response)
    rows = list(sheet.iter_rows())
    header = [cell.value for cell in rows[0]]
    assert header[3] == "Title"
    cells = rows[1]
    assert cells[0].value == dangerous_meeting.pk and cells[0].data_type == "n"
    assert cells[3].value == "'" + DANGEROUS["title"]
    assert cells[15].value == "'" + DANGEROUS["summary"]
    assert cells[16].value == "'" + DANGEROUS["outcomes"]
    assert cells[8].value == "'" + DANGEROUS["event"]
    for row in rows:
        for cell in row:
            assert cell.data_type != "f", (cell.coordinate, cell.value)
            if isinstance(cell.value, str):
                assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), cell.value


def test_neutralise_leaves_numbers_and_plain_text():
    assert neutralise(-5) == -5
    assert neutralise("Chile") == "Chile"
    assert neutralise("") == ""
    assert neutralise("=1") == "'=1"


def test_control_characters_do_not_break_the_workbook(client, alice, desk_latam):
    factories.MeetingFactory(desk=desk_latam, title="Bell\x07 and \x01start")
    client.force_login(alice)
    sheet = xlsx_sheet(client.get(URL, {"format": "xlsx"}))
    assert sheet.cell(row=2, column=4).value == "Bell and start"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"format": "pdf"}, "format"),
        ({"format": "csv", "country": "ZZ"}, "country"),
        ({"format": "xlsx", "date_from": "yesterday"}, "date_from"),
        ({"format": "csv", "date_from": "2025-02-01", "date_to": "2025-01-01"}, "date_to"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_field(client, alice, scenario, params, message):
    client.force_login(alice)
    response = client.get(URL, params)
    assert response.status_code == 400
    assert message in response.content.decode()


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("rows", [1, 40])
def test_query_count_does_not_grow_with_rows(
    client, alice, desk_latam, rows, kind, django_assert_max_num_queries
):
    scenario = build_scenario(desk_latam)
    for meeting in factories.MeetingFactory.create_batch(rows, desk=desk_latam):
        meeting.counterpart_countries.add(scenario["chile"])
        meeting.topics.add(scenario["topic"])
        factories.ParticipantFactory(meeting=meeting, country=scenario["chile"])
    client.force_login(alice)
    with django_assert_max_num_queries(12):
        response = client.get(URL, {"format": kind, "country": "CL"})
        body = body_of(response)
    assert body
