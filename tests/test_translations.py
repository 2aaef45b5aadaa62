"""The interface in Korean and Spanish: complete catalogues in step with the code, compiled
.mo files in step with the .po files, and pages that render in the user's language."""

import datetime
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import polib  # type: ignore[import-untyped]
import pytest
from django.conf import settings
from django.urls import reverse

from tests import factories

ROOT = Path(settings.BASE_DIR)
LANGUAGES = ["ko", "es"]
# What makemessages reads; the same folders are left out as in the documented command.
IGNORED_DIRS = {".venv", ".git", "tests", "bench", "build", "media", "staticfiles", "locale"}
SOURCE_SUFFIXES = {".py", ".html", ".txt"}
PLACEHOLDER = re.compile(
    r"%\([a-zA-Z_][a-zA-Z0-9_]*\)[-#0 +]*\d*(?:\.\d+)?[sdrifx]|%%|%[sdr]|\{\w*\}"
)


def catalogue_dirs(root: Path) -> list[Path]:
    """The project catalogue (locale/) and every app's locale/ folder."""
    dirs = [root / "locale"]
    for child in sorted(root.iterdir()):
        if child.is_dir() and child.name not in IGNORED_DIRS and (child / "locale").is_dir():
            dirs.append(child / "locale")
    return dirs


def catalogues(root: Path, language: str) -> list[Path]:
    return [d / language / "LC_MESSAGES" / "django.po" for d in catalogue_dirs(root)]


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def entry_key(entry: polib.POEntry) -> tuple[str | None, str, str]:
    return (entry.msgctxt, entry.msgid, entry.msgid_plural)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_with_its_placeholders(language):
    problems = []
    total = 0
    for path in catalogues(ROOT, language):
        assert path.exists(), f"{path} is missing"
        po = polib.pofile(str(path))
        assert not po.metadata_is_fuzzy, f"{path}: the header is fuzzy, so msgfmt drops it"
        nplurals = int(re.search(r"nplurals=(\d+)", po.metadata["Plural-Forms"]).group(1))
        for entry in po:
            if entry.obsolete:
                continue
            total += 1
            where = f"{path.relative_to(ROOT)}: {entry.msgid!r}"
            if entry.fuzzy:
                problems.append(f"{where} is fuzzy")
            if entry.msgid_plural:
                forms = [entry.msgstr_plural.get(i, "") for i in range(nplurals)]
                if not all(form.strip() for form in forms):
                    problems.append(f"{where} lacks a plural form")
                    continue
                allowed = set(placeholders(entry.msgid)) | set(placeholders(entry.msgid_plural))
                for form in forms:
                    if not set(placeholders(form)) <= allowed:
                        problems.append(f"{where}: {form!r} has unknown placeholders")
                # The form used for large numbers names everything the English plural does.
                if set(placeholders(entry.msgid_plural)) - set(placeholders(forms[-1])):
                    problems.append(f"{where}: {forms[-1]!r} drops a placeholder")
            else:
                if not entry.msgstr.strip():
                    problems.append(f"{where} is not translated")
                elif placeholders(entry.msgstr) != placeholders(entry.msgid):
                    problems.append(f"{where}: placeholders differ in {entry.msgstr!r}")
    assert total > 500
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_message_in_two_catalogues_is_translated_alike(language):
    """The project catalogue wins over an app's, so both must say the same thing."""
    seen: dict[tuple, tuple[str, str]] = {}
    clashes = []
    for path in catalogues(ROOT, language):
        for entry in polib.pofile(str(path)):
            if entry.obsolete:
                continue
            text = entry.msgstr or repr(sorted(entry.msgstr_plural.items()))
            earlier = seen.setdefault(entry_key(entry), (str(path), text))
            if earlier[1] != text:
                clashes.append(f"{entry.msgid!r}: {earlier} vs {(str(path), text)}")
    assert not clashes, "\n".join(clashes)


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogues_match_their_sources(language):
    """The .mo files are committed (no gettext at run time); a stale one would show old text."""
    for path in catalogues(ROOT, language):
        mo_path = path.with_suffix(".mo")
        assert mo_path.exists(), f"{mo_path} is missing: run manage.py compilemessages"
        compiled = {entry_key(e): (e.msgstr, e.msgstr_plural) for e in polib.mofile(str(mo_path))}
        for entry in polib.pofile(str(path)).translated_entries():
            assert compiled.get(entry_key(entry)) == (entry.msgstr, entry.msgstr_plural), (
                f"{mo_path} is stale for {entry.msgid!r}: run manage.py compilemessages"
            )


def _copy_sources(source: Path, target: Path) -> None:
    def ignore(directory: str, names: list[str]) -> set[str]:
        here = Path(directory)
        skipped = set()
        for name in names:
            path = here / name
            if path.is_dir():
                if name in IGNORED_DIRS - {"locale"} or name == "__pycache__":
                    skipped.add(name)
            elif path.suffix not in SOURCE_SUFFIXES | {".po"}:
                skipped.add(name)
        return skipped

    shutil.copytree(source, target, ignore=ignore)


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs gettext's xgettext")
def test_catalogues_hold_exactly_the_messages_of_the_code(tmp_path):
    """makemessages run on a copy of the sources adds nothing and drops nothing."""
    copy = tmp_path / "src"
    _copy_sources(ROOT, copy)
    ignores = [f"--ignore={name}" for name in sorted(IGNORED_DIRS - {"locale"})]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    env["DATABASE_URL"] = "sqlite:///:memory:"
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            *[f"-l={lang}" for lang in LANGUAGES],
            "--no-obsolete",
            *ignores,
        ],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    for language in LANGUAGES:
        for path in catalogues(ROOT, language):
            fresh = copy / path.relative_to(ROOT)
            committed = {entry_key(e) for e in polib.pofile(str(path)) if not e.obsolete}
            current = {entry_key(e) for e in polib.pofile(str(fresh)) if not e.obsolete}
            missing = sorted(str(key) for key in current - committed)
            unused = sorted(str(key) for key in committed - current)
            assert not missing, f"{path}: messages not in the catalogue: {missing}"
            assert not unused, f"{path}: messages no longer in the code: {unused}"


@pytest.fixture
def chile_meeting(desk_latam):
    chile = factories.CountryFactory(iso2="CL", iso3="CHL", name="Chile")
    desk_latam.countries.add(chile)
    return factories.MeetingFactory(
        title="Lithium dialogue",
        desk=desk_latam,
        start=datetime.datetime(2025, 3, 9, 10, 0, tzinfo=ZoneInfo("UTC")),
        time_zone="UTC",
    )


PAGES = {
    "ko": {
        "home": ["대시보드", "로그아웃", "회의 기록", "후속 조치"],
        "meetings": ["회의", "필터 적용", "2025년 3월 9일"],
    },
    "es": {
        "home": ["Panel", "Cerrar sesión", "Registrar una reunión", "Compromisos"],
        "meetings": ["Reuniones", "Aplicar filtros", "9 de marzo de 2025"],
    },
}
ENGLISH = {
    "home": [">Log out<", ">Dashboard<", "Log a meeting"],
    "meetings": ["Apply filters", "March 2025", ">Log out<"],
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_pages_render_in_the_users_language(client, alice, chile_meeting, language):
    alice.language = language
    alice.save(update_fields=["language"])
    client.force_login(alice)
    for page, url in (("home", reverse("home")), ("meetings", reverse("meeting_list"))):
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert f'<html lang="{language}">' in html
        for text in PAGES[language][page]:
            assert text in html, f"{page} in {language} lacks {text!r}"
        for text in ENGLISH[page]:
            assert text not in html, f"{page} in {language} still says {text!r}"


@pytest.mark.parametrize(
    ("language", "date_text"),
    [("ko", "2025년 3월 9일"), ("es", "9 de marzo de 2025"), ("en-gb", "9 Mar 2025")],
)
def test_meeting_page_dates_follow_the_language(client, alice, chile_meeting, language, date_text):
    alice.language = language
    alice.save(update_fields=["language"])
    client.force_login(alice)
    html = client.get(reverse("meeting_detail", args=[chile_meeting.pk])).content.decode()
    assert date_text in html
    assert f'<html lang="{language}">' in html
