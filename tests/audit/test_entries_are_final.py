"""Nobody edits or deletes the trail, and only administrators read and export it."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import DatabaseError, connection, transaction
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import Classification
from audit.context import channel
from audit.models import AuditEntry, ImmutableEntry
from audit.selectors import entries_for
from engagements import services
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(users, desk_latam):
    with channel("command", "test", user=users["erin"]):
        return services.meeting_create(
            user=users["erin"],
            data=services.MeetingInput(
                title='=HYPERLINK("http://evil.example") <b>bold</b>',
                start=timezone.now(),
                desk=desk_latam,
                classification=Classification.RESTRICTED,
                commitments=[services.CommitmentInput(title="Send the data")],
            ),
        )


@pytest.fixture
def entry(meeting):
    return AuditEntry.objects.filter(object_id=str(meeting.pk), action="create").first()


def test_the_model_refuses_changes_and_deletes(entry):
    entry.object_repr = "rewritten"
    with pytest.raises(ImmutableEntry):
        entry.save()
    with pytest.raises(ImmutableEntry):
        entry.delete()
    with pytest.raises(ImmutableEntry):
        AuditEntry.objects.filter(pk=entry.pk).update(object_repr="rewritten")
    with pytest.raises(ImmutableEntry):
        AuditEntry.objects.filter(pk=entry.pk).delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditentry SET object_repr = 'rewritten' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ],
)
def test_the_database_refuses_changes_and_deletes(entry, statement):
    with (
        pytest.raises(DatabaseError, match="cannot be changed or deleted"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).object_repr == entry.object_repr


@pytest.mark.parametrize("username", ["administrator", "admin_user"])
def test_administrators_read_but_cannot_change_entries(client, users, entry, username):
    client.force_login(users[username])
    changelist = client.get(reverse("admin:audit_auditentry_changelist"))
    assert changelist.status_code == 200
    assert escape(entry.object_repr.split()[0]) in changelist.content.decode()
    assert "action-select" not in changelist.content.decode()  # no bulk actions, no delete

    page = client.get(reverse("admin:audit_auditentry_change", args=[entry.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="_save"' not in html and "deletelink" not in html
    assert client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    assert client.get(reverse("admin:audit_auditentry_delete", args=[entry.pk])).status_code == 403
    posted = client.post(
        reverse("admin:audit_auditentry_change", args=[entry.pk]), {"object_repr": "rewritten"}
    )
    assert posted.status_code == 403
    deleted = client.post(
        reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).object_repr == entry.object_repr


@pytest.mark.parametrize("username", ["alice", "erin", "charlie"])
def test_other_staff_do_not_see_the_trail_in_the_admin(client, users, entry, username):
    user = users[username]
    user.is_staff = True
    user.save()
    client.force_login(user)
    assert client.get(reverse("admin:audit_auditentry_changelist")).status_code == 403
    assert client.get(reverse("admin:audit_auditentry_change", args=[entry.pk])).status_code in (
        302,
        403,
    )
    assert client.get(reverse("admin:audit_auditentry_export")).status_code == 403


def test_administrators_export_the_filtered_trail_as_csv(client, users, meeting):
    client.force_login(users["administrator"])
    response = client.get(reverse("admin:audit_auditentry_export"), {"action__exact": "create"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows and {row["action"] for row in rows} == {"create"}
    mine = next(
        row
        for row in rows
        if row["record_id"] == str(meeting.pk) and row["record_type"].endswith("meeting")
    )
    assert mine["username"] == "erin"
    # A formula in a record's name is not run by a spreadsheet.
    assert mine["record"].startswith("'=HYPERLINK")
    changelist = client.get(reverse("admin:audit_auditentry_changelist"))
    assert reverse("admin:audit_auditentry_export") in changelist.content.decode()


def test_export_needs_signing_in(client, entry):
    response = client.get(reverse("admin:audit_auditentry_export"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_trail_of_a_meeting_follows_the_access_policy(users, meeting):
    commitment = meeting.commitments.get()
    for name in ("alice", "erin", "administrator"):
        kinds = {entry.content_type.model for entry in entries_for(meeting, users[name])}
        assert kinds == {"meeting", "commitment"}, name
    for name in ("bob", "charlie"):  # restricted, not their desk or clearance
        assert list(entries_for(meeting, users[name])) == []
    assert [e.action for e in entries_for(commitment, users["alice"])] == ["create"]
    assert list(entries_for(commitment, users["bob"])) == []


def test_entries_from_a_higher_classification_stay_hidden(users, meeting):
    meeting.classification = Classification.CONFIDENTIAL
    meeting.notes = "confidential notes"
    meeting.save()
    meeting.classification = Classification.RESTRICTED
    meeting.notes = ""
    meeting.save()
    seen_by_alice = [str(e.changes) for e in entries_for(meeting, users["alice"])]
    assert not any("confidential notes" in text for text in seen_by_alice)
    seen_by_erin = [str(e.changes) for e in entries_for(meeting, users["erin"])]
    assert any("confidential notes" in text for text in seen_by_erin)


def test_the_trail_fragment_escapes_and_hides_addresses_from_non_administrators(
    users, meeting, django_assert_max_num_queries
):
    with channel("command", user=users["erin"]):
        for n in range(5):
            meeting.title = f"<script>alert({n})</script>"
            meeting.save()

    def render(user):
        request = RequestFactory().get("/")
        request.user = user
        with django_assert_max_num_queries(6):
            entries = entries_for(meeting, user)
            return render_to_string("audit/_trail.html", {"entries": entries, "request": request})

    html = render(users["alice"])
    assert "<script>" not in html and "&lt;script&gt;alert(4)&lt;/script&gt;" in html
    assert "erin" in html and "request <code>" not in html
    assert "request <code>" in render(users["administrator"])


def test_a_record_without_entries(users):
    instrument = factories.InstrumentFactory()
    assert [e.action for e in entries_for(instrument, users["charlie"])] == ["create"]
    assert list(entries_for(None, users["charlie"])) == []
