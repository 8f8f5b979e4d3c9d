"""Status and change reads every measure of a school at once: the same placing
as reading and suppressing each measure on its own, kept here as the reference."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from sqr_tracker import actions, growth
from sqr_tracker.auth import Action, authorize
from sqr_tracker.config import district_cuts
from sqr_tracker.demo import build_demo_file
from sqr_tracker.home import cycle_label
from sqr_tracker.measures import place_on_grid
from sqr_tracker.store import Store

TODAY = date(2026, 12, 3)


def status_and_change_one_by_one(store: Store, user, school_id: int, today: date):
    """The definition before: one query and one suppression per measure."""
    authorize(store, user, Action.READ_SCHOOL, school_id=school_id)
    cuts = district_cuts(store)
    rows = []
    for measure in store.school_measures(school_id).itertuples():
        values = store.measure_values_of(school_id, measure.id, [growth.TOTAL_GROUP])
        totals = growth.shown_groups(store, values)
        yearly = growth._yearly(totals[~totals["suppressed"]])
        if yearly.empty or measure.code not in cuts:
            continue
        current = yearly.iloc[-1]
        previous = yearly.iloc[-2] if len(yearly) > 1 else None
        place = place_on_grid(
            float(current),
            None if previous is None else float(previous),
            cuts[measure.code],
            bool(measure.higher_is_better),
        )
        difference = None if previous is None else round(float(current - previous), 1)
        rows.append(
            {
                "measure": measure.name,
                "year": cycle_label(yearly.index[-1]),
                "value": round(float(current), 1),
                "difference": difference,
                **place,
            }
        )
    return pd.DataFrame(rows)


def assert_same_for_every_school(store: Store, user) -> int:
    """Compare every school's placing; the number of measures placed."""
    placed = 0
    for school_id in store.schools()["id"].astype(int):
        got = growth.status_and_change(store, user, school_id, TODAY)
        want = status_and_change_one_by_one(store, user, school_id, TODAY)
        pd.testing.assert_frame_equal(got, want)
        placed += len(got)
    return placed


def test_the_small_district_places_the_same(store, people):
    assert_same_for_every_school(store, people["office"])


@pytest.mark.parametrize(("schools", "seed"), [(5, 1), (8, 21)])
@pytest.mark.parametrize("threshold", [10, 60, 100])
def test_a_generated_district_places_the_same(tmp_path, schools, seed, threshold):
    """Every school of a demo district, with the default threshold and with
    higher ones under which some schools' monthly totals are hidden."""
    path = tmp_path / "demo.duckdb"
    build_demo_file(path, schools=schools, seed=seed, today=TODAY)
    store = Store.open(path)
    try:
        office = store.user_by_email("central.office@demo.sqr")
        if threshold != 10:
            actions.change_setting(
                store, office, {"key": "small_group_threshold", "value": threshold}
            )
        assert growth.small_group_threshold(store) == threshold
        placed = assert_same_for_every_school(store, office)
        if threshold == 10:
            assert placed > 0
    finally:
        store.close()
