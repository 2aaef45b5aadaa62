"""Run every registered measurement: `python -m bench.run --size N [--only NAME ...]`.

Writes bench/results/latest.json ({"machine": ..., "measurements": [...]}) and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, required=True, help="meetings in the data set")
    parser.add_argument("--only", nargs="*", default=None, help="names of measurements to run")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    import django

    django.setup()
    from bench import measurements  # noqa: F401  (registers the measurements)
    from bench.harness import REGISTRY, run_case, table

    results = []
    for name, factory in REGISTRY.items():
        if args.only and name not in args.only:
            continue
        print(f"measuring {name} ...", file=sys.stderr, flush=True)
        results.append(run_case(name, args.size, factory(args.size)))
    RESULTS.mkdir(exist_ok=True)
    machine = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
    payload = {"machine": machine, "measurements": results}
    (RESULTS / "latest.json").write_text(json.dumps(payload, indent=2) + "\n")
    text = table(results)
    (RESULTS / "latest.txt").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
