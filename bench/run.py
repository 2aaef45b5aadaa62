"""Run the registered measurements: `python -m bench.run --size N [--only T ...] [--skip T ...]`.

--only / --skip select measurements whose name contains one of the texts (case-insensitive).
Writes bench/results/latest.json ({"machine": ..., "measurements": [...], "skipped": [...]})
and latest.txt with the table printed, and merges the figures into
bench/results/size-N.json (one entry per measurement, the freshest run of each), from which
`python -m bench.report` prints the scaling table.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def _selected(name: str, only: list[str] | None, skip: list[str] | None) -> bool:
    lowered = name.lower()
    if only and not any(text.lower() in lowered for text in only):
        return False
    return not (skip and any(text.lower() in lowered for text in skip))


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = None
    try:
        pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        memory_gb = round(pages * page_size / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": memory_gb,
    }


def _merge(size: int, results: list[dict[str, Any]], skipped: list[dict[str, Any]]) -> None:
    path = RESULTS / f"size-{size}.json"
    previous: dict[str, Any] = {}
    if path.exists():
        previous = json.loads(path.read_text())
    by_name = {entry["name"]: entry for entry in previous.get("measurements", [])}
    for entry in results:
        by_name[entry["name"]] = entry
    skipped_by_name = {
        entry["name"]: entry
        for entry in previous.get("skipped", [])
        if entry["name"] not in by_name
    }
    for entry in skipped:
        skipped_by_name[entry["name"]] = entry
        by_name.pop(entry["name"], None)
    payload = {
        "size": size,
        "machine": machine(),
        "measurements": list(by_name.values()),
        "skipped": list(skipped_by_name.values()),
    }
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, required=True, help="meetings in the data set")
    parser.add_argument("--only", nargs="*", default=None, help="run only names containing")
    parser.add_argument("--skip", nargs="*", default=None, help="leave out names containing")
    parser.add_argument("--list", action="store_true", help="print the names and stop")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    import django

    django.setup()
    from bench import (
        measurements,  # noqa: F401  (registers the measurements)
        measurements_imports,  # noqa: F401
    )
    from bench.harness import REGISTRY, Skip, run_case, table

    if args.list:
        print("\n".join(REGISTRY))
        return 0
    results = []
    skipped = []
    for name, factory in REGISTRY.items():
        if not _selected(name, args.only, args.skip):
            continue
        print(f"measuring {name} ...", file=sys.stderr, flush=True)
        try:
            case = factory(args.size)
        except Skip as reason:
            print(f"  skipped: {reason}", file=sys.stderr, flush=True)
            skipped.append({"name": name, "size": args.size, "reason": str(reason)})
            continue
        result = run_case(name, args.size, case)
        result["measured_at"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        result["load_average"] = [round(x, 2) for x in os.getloadavg()]
        results.append(result)
    RESULTS.mkdir(exist_ok=True)
    payload = {"machine": machine(), "measurements": results, "skipped": skipped}
    (RESULTS / "latest.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    _merge(args.size, results, skipped)
    text = table(results)
    if skipped:
        text += "\n\nskipped:\n" + "\n".join(f"  {s['name']}: {s['reason']}" for s in skipped)
    (RESULTS / "latest.txt").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
