"""Benchmark: build a state-scale demo district into a temporary data file.

Run with ``python benchmarks/demo_build.py --schools 10000``; prints the build
time and the rows written against their targets.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

from sqr_tracker.demo import build_demo_file

TARGET_SECONDS = 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 12, 3))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "state.duckdb"
        started = time.perf_counter()
        counts = build_demo_file(
            path, schools=args.schools, seed=args.seed, today=args.today
        )
        seconds = time.perf_counter() - started
        size_mb = path.stat().st_size / 1e6
    rows = [
        ("schools", f"{args.schools:,}", ""),
        ("seconds to build", f"{seconds:.1f}", f"< {TARGET_SECONDS}"),
        ("total rows", f"{sum(counts.values()):,}", ""),
        ("measure_values rows", f"{counts['measure_values']:,}", ""),
        ("check_ins rows", f"{counts['check_ins']:,}", ""),
        ("file size (MB)", f"{size_mb:,.0f}", ""),
    ]
    print(f"{'figure':<22}{'value':>14}  target")
    for figure, value, target in rows:
        print(f"{figure:<22}{value:>14}  {target}")


if __name__ == "__main__":
    main()
