"""One HTTP attempt, and what to make of its outcome (retry or not, and when)."""

from __future__ import annotations

import enum
import random
from collections.abc import Callable
from dataclasses import dataclass

import requests
from celery.exceptions import SoftTimeLimitExceeded

USER_AGENT = "engagement-tracker-webhooks/1"
EXCERPT_BYTES = 512


@dataclass(frozen=True)
class Response:
    status_code: int | None  # None: no answer (connection refused, timeout, ...)
    error: str = ""
    excerpt: str = ""
    retry_after: float | None = None
    # No answer because the request itself is wrong (an invalid URL): it will not pass.
    permanent: bool = False


class Verdict(enum.Enum):
    SUCCEEDED = "succeeded"
    RETRY = "retry"
    FAILED = "failed"


def classify(response: Response) -> Verdict:
    """Only failures that may pass are retried: no answer, 5xx and 429. Any other answer
    (a 4xx, a redirect, which is not followed) will be the same next time."""
    code = response.status_code
    if code is None:
        return Verdict.FAILED if response.permanent else Verdict.RETRY
    if 200 <= code < 300:
        return Verdict.SUCCEEDED
    if code == 429 or code >= 500:
        return Verdict.RETRY
    return Verdict.FAILED


def backoff_seconds(
    attempt: int,
    *,
    base: float,
    cap: float,
    retry_after: float | None = None,
    random_fraction: Callable[[], float] = random.random,
) -> float:
    """The wait after failed attempt number `attempt` (1, 2, ...): base * 2^(attempt - 1),
    capped, with half of it random so that the endpoints' retries do not all arrive
    together after an outage. A Retry-After from the endpoint is honoured up to the cap."""
    delay = min(cap, base * 2 ** (attempt - 1))
    jittered = delay / 2 + random_fraction() * delay / 2
    if retry_after is not None:
        jittered = max(jittered, min(cap, retry_after))
    return jittered


def _retry_after(value: str | None) -> float | None:
    # The HTTP-date form is rare for webhooks; only seconds are read.
    if value and value.strip().isdigit():
        return float(value.strip())
    return None


def post(
    url: str,
    *,
    body: bytes,
    headers: dict[str, str],
    connect_timeout: float,
    read_timeout: float,
    proxy: str = "",
) -> Response:
    session = requests.Session()
    # Not the environment's proxies or ~/.netrc: its credentials must not go to endpoints.
    session.trust_env = False
    if proxy:
        session.proxies = {"http": proxy, "https": proxy}
    try:
        with session.post(
            url,
            data=body,
            headers={"User-Agent": USER_AGENT, **headers},
            timeout=(connect_timeout, read_timeout),
            allow_redirects=False,
            stream=True,
        ) as response:
            excerpt = next(response.iter_content(EXCERPT_BYTES), b"")
            return Response(
                status_code=response.status_code,
                excerpt=excerpt[:EXCERPT_BYTES].decode("utf-8", errors="replace"),
                retry_after=_retry_after(response.headers.get("Retry-After")),
            )
    except requests.Timeout:
        return Response(status_code=None, error="Timed out")
    except requests.ConnectionError as error:
        return Response(status_code=None, error=f"Connection failed: {_root_cause(error)}")
    except SoftTimeLimitExceeded:
        return Response(status_code=None, error="Timed out (task time limit)")
    except requests.RequestException as error:
        # An invalid URL or header: retrying cannot help.
        return Response(status_code=None, error=f"{type(error).__name__}: {error}", permanent=True)
    finally:
        session.close()


def _root_cause(error: BaseException) -> str:
    # "Connection refused" says more than requests' wrapper around urllib3's wrapper.
    for _ in range(10):
        if error.__context__ is None:
            break
        error = error.__context__
    return f"{type(error).__name__}: {error}"[:300]
