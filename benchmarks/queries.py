"""Benchmark: each question the package answers, cold and warm, beside DuckDB alone.

Run with ``python benchmarks/queries.py --schools 10000`` (state scale) or
``--quick`` (the 80-school demo district). Each question is asked the way its
page asks it, as the demo district's first person of the role the page serves:
the principal's school for its plan, growth and exemplars (on the focus
standard its latest review rated lowest), the central office, which sees every
school, for needs support, the heatmap (with each cell's evidence strength),
reviewer calibration and this month's updates (compliance).

- cold: the first time the question is asked after the data file was opened
  afresh (DuckDB's buffers empty; opening is not counted).
- warm: the median of ``--repeats`` askings after that.

The floor beside each is DuckDB alone: the statements the question ran,
collected from the store's SQL log (``store.log_sql``) with their parameters,
replayed on a connection of their own to the same file (a fresh connection for
cold, one that has replayed them once for warm). The ratio is what the package
adds to the plain queries: pandas work, the rules, and the round trips between
statements. The issue sets no target for these figures.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from common import (
    Row,
    demo_file,
    median_seconds,
    parser,
    persona,
    print_table,
    progress,
    reopened,
    replay,
    replay_warm,
    scale,
    seconds,
    sql_log,
)

from sqr_tracker import (
    calibration,
    compliance,
    exemplars,
    growth,
    needs_support,
    plans,
)
from sqr_tracker.models import Role
from sqr_tracker.store import Store

Question = Callable[[Store], Any]


def questions(store: Store, today: date) -> dict[str, Question]:
    """Each question by name, with the people and school it is asked for."""
    principal = persona(store, Role.PRINCIPAL)
    central = persona(store, Role.CENTRAL_OFFICE)
    school = principal.school_id
    standard, _ = exemplars.weakest_focus_standard(store, principal, school)
    if standard is None:
        standard = next(iter(exemplars.standard_choices(store, principal)))

    def heatmap(data: Store) -> Any:
        table, _ = needs_support.heatmap(data, central)
        return needs_support.heatmap_evidence(
            data, central, *needs_support.heatmap_rows(table)
        )

    return {
        "plan": lambda data: plans.school_plan(data, principal, school, today),
        "growth": lambda data: growth.growth_across_reviews(data, principal, school),
        "exemplars": lambda data: exemplars.find_exemplars(
            data, principal, school, standard, today
        ),
        "needs support": lambda data: needs_support.needs_support(data, central, today),
        "heatmap": heatmap,
        "calibration": lambda data: calibration.calibration(data, central),
        "compliance": lambda data: compliance.compliance(
            data, central, plans.month_start(today), today
        ),
    }


def measure(path: Path, name: str, repeats: int) -> list[Row]:
    """The cold and warm rows of one question."""
    today = date.today()
    store = reopened(path)
    question = questions(store, today)[name]
    with sql_log() as log:
        cold = seconds(lambda: question(store))
    warm = median_seconds(lambda: question(store), repeats)
    statements = log.reads()
    alone_cold = replay(path, statements)
    alone_warm = replay_warm(path, statements, repeats)
    return [
        Row(f"{name}, cold", cold, floor=alone_cold),
        Row(f"{name}, warm", warm, floor=alone_warm),
    ]


def main() -> int:
    args = parser(__doc__).parse_args()
    schools, repeats = scale(args)
    path = demo_file(schools, args.db)
    names = list(questions(Store.open(path), date.today()))
    rows = [row for name in names for row in progress(measure(path, name, repeats))]
    print_table(
        f"Questions, {schools:,} schools (floor: DuckDB alone on the same statements)",
        rows,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
