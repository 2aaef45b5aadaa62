"""The scaling table: `python -m bench.report` prints, as Markdown, every measurement at every
size found in bench/results/size-N.json (written by bench.run), with the machine."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def _number(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


def notes(entry: dict[str, Any]) -> str:
    """The figures a measurement reports besides its time, and the load it ran under."""
    parts = []
    if "emails" in entry:
        parts.append(f"{entry['emails']:,} emails, {entry['emails_per_second']:,} emails/s")
    if "import_rows_per_second" in entry:
        parts.append(
            f"{entry['rows']:,} rows, {entry['import_rows_per_second']:,} rows/s "
            f"(COPY {entry.get('copy_rows_per_second', 0):,} rows/s)"
        )
    if "url" in entry:
        parts.append(f"`{entry['url'].removeprefix('/api/v1/meetings/')}`")
    if entry.get("load_average"):
        parts.append(f"load {entry['load_average'][0]:.1f}")
    return "; ".join(parts)


def load() -> list[dict[str, Any]]:
    runs = [json.loads(path.read_text()) for path in RESULTS.glob("size-*.json")]
    return sorted(runs, key=lambda run: run["size"])


def markdown(runs: list[dict[str, Any]]) -> str:
    names: list[str] = []
    for run in runs:
        for entry in run["measurements"]:
            if entry["name"] not in names:
                names.append(entry["name"])
    lines = [
        "| measurement | meetings | median ms | p95 ms | queries | baseline ms | ratio | notes |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name in names:
        for run in runs:
            entry = next((e for e in run["measurements"] if e["name"] == name), None)
            skipped = next((e for e in run.get("skipped", []) if e["name"] == name), None)
            if entry is None:
                if skipped is not None:
                    lines.append(
                        f"| {name} | {run['size']:,} | | | | | | skipped: {skipped['reason']} |"
                    )
                continue
            lines.append(
                f"| {name} | {run['size']:,} | {_number(entry['median_ms'])} "
                f"| {_number(entry['p95_ms'])} "
                f"| {'' if entry['queries'] is None else entry['queries']} "
                f"| {_number(entry['baseline_median_ms'])} | {_number(entry['ratio'], 2)} "
                f"| {notes(entry)} |"
            )
    machines = {json.dumps(run["machine"], sort_keys=True) for run in runs}
    for machine in machines:
        m = json.loads(machine)
        lines.append("")
        lines.append(
            f"Machine: {m.get('cpu') or 'unknown CPU'}, {m.get('cpus')} CPUs, "
            f"{m.get('memory_gb')} GB, {m.get('platform')}, Python {m.get('python')}."
        )
    return "\n".join(lines)


def main() -> int:
    runs = load()
    if not runs:
        print("No results yet: run `make bench` first.", file=sys.stderr)
        return 1
    print(markdown(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
