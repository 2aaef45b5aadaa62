"""The documentation: a README a newcomer reads to the end, links that lead somewhere, and
no citation of files that live outside the repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
README_MAX_LINES = 130

_FENCE = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)
_LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
# Written in pieces so that this file does not cite them itself.
_OUTSIDE = ("../" + "shared", "DESIGN" + ".md", "STYLE" + ".md", "DOMAIN" + ".md")
# Directories that are never part of the repository's own text.
_NOT_OURS = {".git", ".venv", "node_modules", "__pycache__", "staticfiles", "media"}


def _tracked_files() -> list[Path]:
    """The repository's files: git's list when this is a checkout, else every file under the
    root outside virtualenvs and caches."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
        ).stdout.decode()
    except (OSError, subprocess.CalledProcessError):
        return [
            path
            for path in ROOT.rglob("*")
            if path.is_file()
            and not _NOT_OURS.intersection(path.relative_to(ROOT).parts)
            and not any(part.endswith("_cache") for part in path.relative_to(ROOT).parts)
        ]
    return [ROOT / name for name in listed.split("\0") if name and (ROOT / name).is_file()]


def _text(path: Path) -> str | None:
    data = path.read_bytes()
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _markdown_files() -> list[Path]:
    return [README, *sorted((ROOT / "docs").glob("*.md")), ROOT / "bench" / "README.md"]


def _anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _links(path: Path) -> list[str]:
    return _LINK.findall(_FENCE.sub("", path.read_text(encoding="utf-8")))


def test_readme_is_short_and_starts_with_the_two_commands():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines"
    opening = "\n".join(lines[:40])
    assert "make run" in opening
    assert "make test" in opening


def test_readme_links_every_guide():
    linked = {target.split("#")[0] for target in _links(README)}
    guides = {f"docs/{path.name}" for path in (ROOT / "docs").glob("*.md")}
    assert guides, "docs/ holds no guide"
    assert guides | {"bench/README.md"} <= linked


@pytest.mark.parametrize("document", _markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_lead_to_files_of_the_repository(document):
    assert document.is_file(), f"{document.relative_to(ROOT)} is missing"
    broken = []
    for target in _links(document):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
            continue
        name, _, fragment = target.partition("#")
        linked = (document.parent / name).resolve() if name else document
        if not linked.is_relative_to(ROOT) or not linked.exists():
            broken.append(target)
            continue
        if fragment and linked.suffix == ".md":
            anchors = {_anchor(h) for h in _HEADING.findall(_FENCE.sub("", linked.read_text()))}
            if fragment not in anchors:
                broken.append(target)
    assert broken == [], f"{document.relative_to(ROOT)}: links to nothing: {broken}"


def test_no_file_cites_what_lives_outside_the_repository():
    this_file = Path(__file__).resolve()
    citing = []
    for path in _tracked_files():
        if path.resolve() == this_file:
            continue
        text = _text(path)
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            if any(name in line for name in _OUTSIDE):
                citing.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert citing == []
