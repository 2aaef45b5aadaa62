"""`make bench-http`: the API under load over HTTP, as deployed.

    python -m bench.http.run [--users 8] [--run-time 60] [--max-requests 20000] [--workers 3]

With DATABASE_URL naming a generated benchmark database (`make bench` makes one):

1. makes read-write API tokens for desk officers of the generated data (bench.users) and a
   fixture file for the load (visible meeting ids, countries of the desk, topics, terms);
2. starts gunicorn on a free loopback port with the production settings
   (config.settings.production), plain HTTP: DJANGO_SECURE_SSL_REDIRECT=false, and the load
   sends X-Forwarded-Proto: https as the TLS-terminating proxy would; API throttling stays on
   with rates high enough not to refuse the load (API_THROTTLE_READ/WRITE);
3. runs locust headless (bench/http/locustfile.py), bounded by --run-time seconds and
   --max-requests requests;
4. stops gunicorn, deletes the meetings the load logged and the tokens, and writes
   bench/results/http-latest.json and a printed table: requests/s, median and p95 latency
   and errors per kind of request and in total.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
TOKEN_NAME = "bench-http"
SEARCH_TERMS = ["lithium", "copper concentrate", "disaster risk", "trust funds", "tantalum"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(officers: int, fixtures_path: Path) -> dict[str, Any]:
    """Tokens and fixtures, written with the bench settings against the same database."""
    import random

    from accounts.models import ApiToken
    from accounts.tokens import api_token_create
    from bench.users import desk_officers
    from engagements.models import Meeting, Topic
    from engagements.selectors import meetings_visible_to

    users = desk_officers(officers)
    ApiToken.objects.filter(name=TOKEN_NAME).delete()
    tokens = [
        api_token_create(user=user, name=TOKEN_NAME, scope=ApiToken.Scope.READ_WRITE)[1]
        for user in users
    ]
    desk = users[0].desks.order_by("id").first()
    assert desk is not None, "the bench officers belong to no desk"
    # Meetings every one of the officers may see, spread over the whole table.
    bounds = Meeting.objects.order_by("id").values_list("id", flat=True)
    low, high = bounds.first() or 0, bounds.last() or 0
    rng = random.Random(8)
    candidates = {rng.randint(low, high) for _ in range(3000)}
    for user in users:
        candidates &= set(
            meetings_visible_to(user).filter(pk__in=candidates).values_list("id", flat=True)
        )
    meeting_ids = sorted(candidates)[:500]
    assert meeting_ids, "no meeting visible to the bench officers"
    countries = sorted(desk.countries.values_list("iso2", flat=True)) or ["CL"]
    fixtures = {
        "tokens": tokens,
        "desk": desk.code,
        "countries": countries,
        "topics": sorted(Topic.objects.values_list("slug", flat=True)),
        "meeting_ids": meeting_ids,
        "search_terms": SEARCH_TERMS,
    }
    fixtures_path.write_text(json.dumps(fixtures))
    return {"users": users, "desk": desk.code}


def clean_up(users: list[Any], since: Any) -> int:
    """Remove what the load wrote: the meetings it logged, and the run's tokens."""
    from accounts.models import ApiToken
    from engagements.models import Meeting

    logged = Meeting.objects.filter(created_by__in=users, created_at__gte=since)
    count = logged.count()
    logged.delete()
    ApiToken.objects.filter(name=TOKEN_NAME).delete()
    return count


def _wait_until_up(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers (401 without a token): up
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer in time")


def server_environment(database_url: str, redis_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_IGNORE_DOTENV": "1",
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "60",
        "REDIS_URL": redis_url,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Plain HTTP on loopback; the load also says https as a proxy would.
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        # Throttling stays on (its cache round trips are part of each request), with rates
        # that do not refuse the load: what is measured is the server, not the budget.
        "API_THROTTLE_READ": "1000000/min",
        "API_THROTTLE_WRITE": "1000000/min",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }


def table(rows: list[dict[str, Any]]) -> str:
    header = ("request", "requests", "errors", "req/s", "median ms", "p95 ms")
    body = [
        (
            row["name"],
            str(row["requests"]),
            str(row["errors"]),
            f"{row['rps']:.1f}",
            "" if row["median_ms"] is None else f"{row['median_ms']:.0f}",
            "" if row["p95_ms"] is None else f"{row['p95_ms']:.0f}",
        )
        for row in rows
    ]
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(widths[i]) for i, c in enumerate(r)) for r in [header, *body]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=8, help="simulated clients")
    parser.add_argument("--spawn-rate", type=float, default=4.0)
    parser.add_argument("--run-time", type=int, default=60, help="seconds of load")
    parser.add_argument("--max-requests", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--officers", type=int, default=4, help="desk officers with tokens")
    parser.add_argument("--size", type=int, default=None, help="meetings (for the report)")
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
        help="Redis for the server's cache (throttle counts) and task broker",
    )
    args = parser.parse_args(argv)

    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        parser.error("set DATABASE_URL to the benchmark database")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from engagements.models import Meeting

    size = args.size or Meeting.objects.filter(external_source="demo").count()
    work = Path(tempfile.mkdtemp(prefix="bench-http-"))
    fixtures_path, stats_path = work / "fixtures.json", work / "stats.json"
    started_at = timezone.now()
    prepared = prepare(args.officers, fixtures_path)
    connection.close()

    port = _free_port()
    host = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=server_environment(database_url, args.redis_url),
        stdout=(work / "gunicorn.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_until_up(f"{host}/api/v1/me/", server)
        print(
            f"load: {args.users} clients for up to {args.run_time} s or {args.max_requests} "
            f"requests against gunicorn ({args.workers} workers, production settings) on "
            f"{host}, {size} meetings",
            file=sys.stderr,
            flush=True,
        )
        load_env = {
            **os.environ,
            "BENCH_HTTP_FIXTURES": str(fixtures_path),
            "BENCH_HTTP_STATS": str(stats_path),
            "BENCH_HTTP_MAX_REQUESTS": str(args.max_requests),
        }
        load = subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(Path(__file__).with_name("locustfile.py")),
                "--headless",
                "--host",
                host,
                "--users",
                str(args.users),
                "--spawn-rate",
                str(args.spawn_rate),
                "--run-time",
                f"{args.run_time}s",
                "--stop-timeout",
                "10",
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=load_env,
            timeout=args.run_time + 120,
            capture_output=True,
            text=True,
        )
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        removed = clean_up(prepared["users"], started_at)

    if not stats_path.exists():
        print(load.stdout[-3000:], load.stderr[-3000:], sep="\n", file=sys.stderr)
        print((work / "gunicorn.log").read_text()[-3000:], file=sys.stderr)
        return 1
    figures = json.loads(stats_path.read_text())
    payload = {
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_at_end": os.getloadavg(),
        },
        "conditions": {
            "size": size,
            "clients": args.users,
            "run_time_s": args.run_time,
            "request_cap": args.max_requests,
            "gunicorn_workers": args.workers,
            "settings": "config.settings.production (plain HTTP, throttle rates raised)",
            "desk": prepared["desk"],
            "officers": len(prepared["users"]),
            "meetings_logged_and_removed": removed,
        },
        "requests": figures["rows"],
        "errors": figures["errors"],
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "http-latest.json").write_text(json.dumps(payload, indent=2) + "\n")
    text = table(figures["rows"])
    (RESULTS / "http-latest.txt").write_text(text + "\n")
    print(text)
    for error in figures["errors"][:10]:
        print(f"error x{error['occurrences']}: {error['method']} {error['name']}: {error['error']}")
    shutil.rmtree(work, ignore_errors=True)
    return 0 if load.returncode in (0, 1) else load.returncode


if __name__ == "__main__":
    sys.exit(main())
