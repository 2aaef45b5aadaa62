"""The HTTP load of `make bench-http`: API reads and writes of desk officers, over loopback.

Run by bench/http/run.py, which makes the API tokens and the fixture file this reads
(BENCH_HTTP_FIXTURES), starts gunicorn and reads back the figures this writes at the end
(BENCH_HTTP_STATS). Runs stop after --run-time or BENCH_HTTP_MAX_REQUESTS requests,
whichever comes first.

The mix, per simulated user (weights in the @task decorators): a page of the meetings list,
following the cursor for a few pages, a meeting's detail, filtered lists (country, topic,
dates, status), full-text search, logging a meeting (POST) and changing one of the meetings
it logged (PATCH with If-Match, the ETag of a fresh GET).
"""

from __future__ import annotations

import itertools
import json
import os
import random
from typing import Any
from urllib.parse import urlsplit

import gevent
from locust import HttpUser, between, events, task
from locust.env import Environment

with open(os.environ["BENCH_HTTP_FIXTURES"]) as fixtures_file:
    FIXTURES: dict[str, Any] = json.load(fixtures_file)

MAX_REQUESTS = int(os.environ.get("BENCH_HTTP_MAX_REQUESTS", "20000"))
LIST = "/api/v1/meetings/"
PAGE = 50
_tokens = itertools.cycle(FIXTURES["tokens"])
_seen = 0


@events.request.add_listener
def _stop_at_the_request_cap(**_kwargs: Any) -> None:
    global _seen
    _seen += 1
    environment = _ENVIRONMENT.get("environment")
    if _seen == MAX_REQUESTS and environment is not None and environment.runner is not None:
        gevent.spawn(environment.runner.quit)


_ENVIRONMENT: dict[str, Environment] = {}


@events.init.add_listener
def _remember(environment: Environment, **_kwargs: Any) -> None:
    _ENVIRONMENT["environment"] = environment


@events.test_stop.add_listener
def _write_figures(environment: Environment, **_kwargs: Any) -> None:
    """Per request kind and in total: requests, failures, requests/s, median and p95 (ms)."""
    stats = environment.stats
    # Every kind's rate over the whole run, so that the kinds add up to the total.
    duration = max((stats.total.last_request_timestamp or 0.0) - stats.total.start_time, 1e-6)
    rows = []
    for entry in [*sorted(stats.entries.values(), key=lambda e: e.name), stats.total]:
        rows.append(
            {
                "name": entry.name if entry is not stats.total else "total",
                "requests": entry.num_requests,
                "errors": entry.num_failures,
                "rps": round(entry.num_requests / duration, 2) if entry.num_requests else 0.0,
                "median_ms": entry.median_response_time if entry.num_requests else None,
                "p95_ms": entry.get_response_time_percentile(0.95) if entry.num_requests else None,
                "mean_ms": round(entry.avg_response_time, 2) if entry.num_requests else None,
            }
        )
    errors = [
        {
            "name": error.name,
            "method": error.method,
            "error": str(error.error)[:300],
            "occurrences": error.occurrences,
        }
        for error in stats.errors.values()
    ]
    payload = {"rows": rows, "errors": errors, "request_cap": MAX_REQUESTS}
    with open(os.environ["BENCH_HTTP_STATS"], "w") as out:
        json.dump(payload, out, indent=2)


class DeskOfficer(HttpUser):
    """A client of the API with a read-write token of a desk officer on the busiest desk."""

    wait_time = between(0.05, 0.25)

    def on_start(self) -> None:
        self.client.headers.update(
            {
                "Authorization": f"Bearer {next(_tokens)}",
                "Accept": "application/json",
                # What the TLS-terminating proxy in front of gunicorn would send.
                "X-Forwarded-Proto": "https",
            }
        )
        self.created: list[int] = []
        self.rng = random.Random()

    def _get(self, url: str, name: str, **params: Any) -> dict[str, Any] | None:
        with self.client.get(url, params=params or None, name=name, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}: {r.text[:200]}")
                return None
            return r.json()

    @task(5)
    def meetings_list(self) -> None:
        self._get(LIST, "GET meetings list (page of 50)", page_size=PAGE)

    @task(2)
    def meetings_list_follow_cursor(self) -> None:
        page = self._get(LIST, "GET meetings list (page of 50)", page_size=PAGE)
        for _ in range(3):
            if not page or not page.get("next"):
                return
            # The link is absolute, with the scheme the proxy header announced (https):
            # follow its path and query on this plain-HTTP host.
            link = urlsplit(page["next"])
            page = self._get(f"{link.path}?{link.query}", "GET meetings list (next page by cursor)")

    @task(4)
    def meeting_detail(self) -> None:
        meeting_id = self.rng.choice(FIXTURES["meeting_ids"])
        self._get(f"{LIST}{meeting_id}/", "GET meeting detail")

    @task(2)
    def meetings_filtered(self) -> None:
        params: dict[str, Any] = {"page_size": PAGE}
        choice = self.rng.randrange(4)
        if choice == 0:
            params["country"] = self.rng.choice(FIXTURES["countries"])
        elif choice == 1:
            params["topic"] = self.rng.choice(FIXTURES["topics"])
        elif choice == 2:
            year = self.rng.randrange(2001, 2025)
            params.update(date_from=f"{year}-01-01", date_to=f"{year}-06-30")
        else:
            params.update(status="held", kind="bilateral", desk=FIXTURES["desk"])
        self._get(LIST, "GET meetings list filtered", **params)

    @task(2)
    def meetings_search(self) -> None:
        term = self.rng.choice(FIXTURES["search_terms"])
        self._get(LIST, "GET meetings full-text search", q=term, page_size=PAGE)

    @task(1)
    def meeting_create(self) -> None:
        body = {
            "title": f"Load test: call with {self.rng.choice(FIXTURES['countries'])}",
            "kind": "call",
            "status": "held",
            "start": "2025-03-26T10:00:00+09:00",
            "time_zone": "Asia/Seoul",
            "country": self.rng.choice(FIXTURES["countries"]),
            "desk": FIXTURES["desk"],
            "classification": "internal",
            "summary": "Supply of lithium and copper; co-financing at the development bank.",
            "topics": self.rng.sample(FIXTURES["topics"], 2),
            "participants": [
                {"raw_name": "Ana García", "side": "counterpart", "is_head_of_delegation": True}
            ],
            "agenda_items": [{"title": "Critical minerals"}],
        }
        with self.client.post(
            LIST, json=body, name="POST meeting (create)", catch_response=True
        ) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return
            self.created.append(response.json()["id"])

    @task(1)
    def meeting_patch(self) -> None:
        if not self.created:
            self.meeting_create()
            return
        meeting_id = self.rng.choice(self.created)
        url = f"{LIST}{meeting_id}/"
        with self.client.get(url, name="GET meeting detail", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return
            etag = response.headers.get("ETag", "")
        with self.client.patch(
            url,
            json={"outcomes": f"Agreed to follow up ({self.rng.randrange(10**6)})."},
            headers={"If-Match": etag},
            name="PATCH meeting (If-Match)",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")
