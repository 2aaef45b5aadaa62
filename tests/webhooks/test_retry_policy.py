import pytest

from webhooks.transport import Response, Verdict, backoff_seconds, classify


@pytest.mark.parametrize(
    ("response", "verdict"),
    [
        (Response(status_code=200), Verdict.SUCCEEDED),
        (Response(status_code=204), Verdict.SUCCEEDED),
        (Response(status_code=500), Verdict.RETRY),
        (Response(status_code=502), Verdict.RETRY),
        (Response(status_code=503), Verdict.RETRY),
        (Response(status_code=429), Verdict.RETRY),
        (Response(status_code=None, error="Connection refused"), Verdict.RETRY),
        (Response(status_code=None, error="Timed out"), Verdict.RETRY),
        (Response(status_code=None, error="Invalid URL", permanent=True), Verdict.FAILED),
        (Response(status_code=400), Verdict.FAILED),
        (Response(status_code=401), Verdict.FAILED),
        (Response(status_code=404), Verdict.FAILED),
        (Response(status_code=410), Verdict.FAILED),
        (Response(status_code=301), Verdict.FAILED),
    ],
    ids=lambda value: str(value.status_code if isinstance(value, Response) else value.value),
)
def test_only_failures_that_may_pass_are_retried(response, verdict):
    assert classify(response) is verdict


def test_the_backoff_doubles_from_the_base_up_to_the_cap():
    def longest(attempt):
        return backoff_seconds(attempt, base=30, cap=3600, random_fraction=lambda: 1.0)

    assert [longest(attempt) for attempt in range(1, 10)] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
        3600,
    ]


def test_the_jitter_keeps_at_least_half_of_the_delay():
    shortest = backoff_seconds(3, base=30, cap=3600, random_fraction=lambda: 0.0)
    drawn = [backoff_seconds(3, base=30, cap=3600) for _ in range(200)]

    assert shortest == 60
    assert all(60 <= delay <= 120 for delay in drawn)
    assert len(set(drawn)) > 1


def test_a_retry_after_from_the_endpoint_is_honoured_up_to_the_cap():
    def delay(retry_after):
        return backoff_seconds(
            1, base=30, cap=3600, retry_after=retry_after, random_fraction=lambda: 1.0
        )

    assert delay(120) == 120
    assert delay(5) == 30
    assert delay(86400) == 3600
