"""The benchmark harness: measurements register themselves here; `make bench` runs them.

A measurement is a function taking the data-set size and returning a `Case`: the code path
to time and, where one exists, a baseline doing the same work the plainest way (one raw SQL
query serialised with json, PostgreSQL COPY, ...) timed in the same run.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection


@dataclass
class Case:
    run: Callable[[], Any]
    baseline: Callable[[], Any] | None = None
    repetitions: int = 30
    warmup: int = 3
    # For measurements that report their own figures (a sweep, an import): extra columns.
    extra: Callable[[], dict[str, Any]] | None = None
    # A long run (a whole sweep) is not repeated just to count its queries.
    count_queries: bool = True


class Skip(Exception):
    """Raised by a measurement's factory when it cannot run here (a page not built yet, a
    size above its limit); the run goes on and reports the reason."""


REGISTRY: dict[str, Callable[[int], Case]] = {}


def measurement(name: str) -> Callable[[Callable[[int], Case]], Callable[[int], Case]]:
    def register(function: Callable[[int], Case]) -> Callable[[int], Case]:
        REGISTRY[name] = function
        return function

    return register


def _timings(function: Callable[[], Any], *, repetitions: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        function()
    timings = []
    for _ in range(repetitions):
        started = time.perf_counter()
        function()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def count_queries(function: Callable[[], Any]) -> int:
    """Queries one call runs (an execute wrapper: a request's reset_queries cannot hide them)."""
    count = 0

    def counter(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        function()
    return count


def run_case(name: str, size: int, case: Case) -> dict[str, Any]:
    queries = count_queries(case.run) if case.count_queries else None
    timings = _timings(case.run, repetitions=case.repetitions, warmup=case.warmup)
    result: dict[str, Any] = {
        "name": name,
        "size": size,
        "median_ms": round(statistics.median(timings), 3),
        "p95_ms": round(percentile(timings, 0.95), 3),
        "queries": queries,
        "baseline_median_ms": None,
        "ratio": None,
        "repetitions": case.repetitions,
    }
    if case.baseline is not None:
        baseline = _timings(case.baseline, repetitions=case.repetitions, warmup=case.warmup)
        result["baseline_median_ms"] = round(statistics.median(baseline), 3)
        result["ratio"] = round(result["median_ms"] / max(result["baseline_median_ms"], 1e-6), 2)
    if case.extra is not None:
        result.update(case.extra())
    return result


def table(results: list[dict[str, Any]]) -> str:
    header = ("measurement", "size", "median ms", "p95 ms", "queries", "baseline ms", "ratio")
    rows = [
        (
            r["name"],
            str(r["size"]),
            f"{r['median_ms']:.2f}",
            f"{r['p95_ms']:.2f}",
            "" if r["queries"] is None else str(r["queries"]),
            "" if r["baseline_median_ms"] is None else f"{r['baseline_median_ms']:.2f}",
            "" if r["ratio"] is None else f"{r['ratio']:.2f}",
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)
