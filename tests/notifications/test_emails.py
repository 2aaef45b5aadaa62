from pathlib import Path

import pytest
from django.core import mail
from django.utils import translation

import notifications
from accounts.models import Classification
from notifications import services
from notifications.models import SweepRun
from tests import factories
from tests.notifications.conftest import AS_OF, commitment_for, prefer


def sweep():
    return services.reminder_sweep(as_of=AS_OF, trigger=SweepRun.Trigger.COMMAND)


@pytest.mark.parametrize(
    ("language", "subject", "phrase"),
    [
        ("en-gb", "Reminder: Send the MoU draft (due in 7 days)", "Due date: 9 Mar 2026"),
        ("ko", "알림: Send the MoU draft (7일 후 마감)", "마감일: 2026년 3월 9일"),
        (
            "es",
            "Recordatorio: Send the MoU draft (vence en 7 días)",
            "Fecha límite: 9 de marzo de 2026",
        ),
    ],
)
def test_a_reminder_is_written_in_the_recipients_language(owner, language, subject, phrase):
    prefer(owner, language=language)
    commitment_for(owner, 7, title="Send the MoU draft")
    sweep()
    (message,) = mail.outbox
    assert message.subject == subject
    assert phrase in message.body
    html = message.alternatives[0][0]
    assert f'<html lang="{language}">' in html


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en-gb", "1 day overdue"), ("ko", "마감 1일 경과"), ("es", "1 día de retraso")],
)
def test_overdue_phrases_are_translated_with_their_plural(owner, language, expected):
    prefer(owner, language=language, daily_digest=False)
    commitment_for(owner, -1, title="Circulate the minutes")
    services.reminder_sweep(as_of=AS_OF, trigger=SweepRun.Trigger.COMMAND)
    assert expected in mail.outbox[0].subject


def test_the_plain_text_is_not_html_escaped_and_the_html_is(owner):
    commitment_for(owner, 7, title='Reply to "Hacienda" <urgent> & file', description="a < b")
    sweep()
    (message,) = mail.outbox
    assert 'Reply to "Hacienda" <urgent> & file' in message.body
    assert "a < b" in message.body
    html = message.alternatives[0][0]
    assert "&lt;urgent&gt; &amp; file" in html and "<urgent>" not in html


def test_a_reminder_about_a_restricted_meeting_gives_its_title_not_its_content(owner, desk_latam):
    meeting = factories.MeetingFactory(
        desk=desk_latam,
        classification=Classification.RESTRICTED,
        title="Bilateral with Chile",
        summary="Confidential lithium offtake terms",
    )
    commitment_for(owner, 7, meeting=meeting, description="Price floor of USD 12,000/t")
    sweep()
    (message,) = mail.outbox
    text = message.body + message.alternatives[0][0]
    assert "Bilateral with Chile" in text
    assert "USD 12,000" not in text and "offtake" not in text


def test_a_reminder_about_an_internal_meeting_may_carry_the_description(owner, desk_latam):
    meeting = factories.MeetingFactory(desk=desk_latam, classification=Classification.INTERNAL)
    commitment_for(owner, 7, meeting=meeting, description="Ask for the draft text")
    sweep()
    assert "Ask for the draft text" in mail.outbox[0].body


@pytest.mark.parametrize("language", ["ko", "es"])
def test_every_string_of_the_emails_is_translated(language):
    """The compiled catalogue (.mo, committed) has a translation for every message."""
    po = Path(notifications.__file__).parent / "locale" / language / "LC_MESSAGES" / "django.po"
    msgids = [
        line.removeprefix('msgid "').removesuffix('"')
        for line in po.read_text().splitlines()
        if line.startswith('msgid "') and line != 'msgid ""' and "%(" not in line
    ]
    assert len(msgids) > 20
    with translation.override(language):
        untranslated = [m for m in msgids if translation.gettext(m.replace('\\"', '"')) == m]
    assert untranslated == []


def test_a_digest_is_written_in_the_recipients_language(owner):
    prefer(owner, language="es")
    commitment_for(owner, 0, title="Llamar a Hacienda")
    sweep()
    digest = next(m for m in mail.outbox if m.extra_headers["X-Engagements-Key"].startswith("di"))
    assert digest.subject == "Sus seguimientos: 1 vence hoy o está vencido"
    assert "Recibe este resumen diario" in digest.body
