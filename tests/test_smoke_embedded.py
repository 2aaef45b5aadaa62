"""`make run`'s path on SQLite: migrate, seed with demo users, serve, log in, see meetings."""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "smoke-test-password-1"

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def embedded_server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("embedded")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
        DEMO_PASSWORD=PASSWORD,
        MEDIA_ROOT=str(workdir / "media"),
        DJANGO_IGNORE_DOTENV="1",
    )

    def manage(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )

    manage("check")
    manage("migrate", "--no-input")
    seeded = manage("seed", "--demo-users")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/accounts/login/", timeout=2)
            break
        except OSError:
            time.sleep(0.3)
    else:
        server.kill()
        pytest.fail("runserver did not answer: " + server.stdout.read().decode())
    yield base, seeded.stdout
    server.terminate()
    server.wait(timeout=10)


def login(base: str, username: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/accounts/login/").read().decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert match, "the login page has no CSRF token"
    token = match.group(1)
    body = urllib.parse.urlencode(
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token, "next": "/"}
    ).encode()
    request = urllib.request.Request(
        f"{base}/accounts/login/", data=body, headers={"Referer": f"{base}/accounts/login/"}
    )
    response = opener.open(request)
    assert response.url.rstrip("/") == base, f"{username} could not log in"
    return opener


def test_home_redirects_anonymous_users_to_login(embedded_server):
    base, _ = embedded_server
    response = urllib.request.urlopen(f"{base}/")
    assert "/accounts/login/" in response.url


def test_latin_america_officer_sees_both_scenario_meetings(embedded_server):
    base, _ = embedded_server
    page = login(base, "officer.latam").open(f"{base}/").read().decode()
    assert page.count('class="meeting"') == 2
    assert "Mario Marcel Cullell" in page and "Minister of Finance" in page
    assert "Cusicanqui" in page


@pytest.mark.parametrize("username", ["analyst", "officer.asia"])
def test_restricted_chile_meeting_is_hidden_from_others(embedded_server, username):
    base, _ = embedded_server
    page = login(base, username).open(f"{base}/").read().decode()
    assert page.count('class="meeting"') == 1
    assert "Cusicanqui" in page
    assert "Marcel" not in page


def test_admin_index_serves_for_the_demo_administrator(embedded_server):
    base, _ = embedded_server
    opener = login(base, "admin")
    page = opener.open(f"{base}/admin/engagements/meeting/").read().decode()
    assert "Korea" in page and "Chile" in page
